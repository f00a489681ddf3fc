#include "tether/events.hpp"

namespace tether {

std::string to_string(EventKind kind) {
  switch (kind) {
    case EventKind::Started:
      return "started";
    case EventKind::Queued:
      return "queued";
    case EventKind::Dequeued:
      return "dequeued";
    case EventKind::PhaseChanged:
      return "phase_changed";
    case EventKind::Redirected:
      return "redirected";
    case EventKind::Retried:
      return "retried";
    case EventKind::Hedged:
      return "hedged";
    case EventKind::Aborted:
      return "aborted";
    case EventKind::Finished:
      return "finished";
  }
  return "unknown";
}

}  // namespace tether
