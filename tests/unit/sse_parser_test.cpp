// SseParser against the WHATWG event-stream rules, fed whole and in every split.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tether/error.hpp"
#include "tether/sse_parser.hpp"

namespace {

using tether::SseEvent;
using tether::SseParser;

struct Collected {
  std::vector<SseEvent> events;
  std::vector<long long> retries;
};

// Feeds `stream` in pieces of `piece` bytes (0: all at once).
Collected parse(std::string_view stream, std::size_t piece = 0) {
  Collected out;
  SseParser parser([&](const SseEvent& e) { out.events.push_back(e); },
                   [&](std::chrono::milliseconds ms) { out.retries.push_back(ms.count()); });
  if (piece == 0) piece = stream.size() + 1;
  for (std::size_t i = 0; i < stream.size(); i += piece) parser.feed(stream.substr(i, piece));
  return out;
}

SseEvent event(std::string type, std::string data, std::string id = "") {
  return SseEvent{std::move(type), std::move(data), std::move(id)};
}

TEST(SseParser, FieldsOfOneEvent) {
  auto got = parse("event: update\ndata: hello\nid: 7\n\n");
  ASSERT_EQ(got.events.size(), 1u);
  EXPECT_EQ(got.events[0], event("update", "hello", "7"));
}

TEST(SseParser, DataLinesJoinWithNewline) {
  auto got = parse("data: one\ndata:two\ndata:  three\n\n");
  ASSERT_EQ(got.events.size(), 1u);
  // One leading space is dropped, the second kept.
  EXPECT_EQ(got.events[0].data, "one\ntwo\n three");
  EXPECT_EQ(got.events[0].type, "message");
}

TEST(SseParser, CommentsAndUnknownFieldsAreIgnored) {
  auto got = parse(": keep-alive\nfoo: bar\ndata: x\n:another\n\n");
  ASSERT_EQ(got.events.size(), 1u);
  EXPECT_EQ(got.events[0], event("message", "x"));
}

TEST(SseParser, EmptyDataIsNotDispatched) {
  auto got = parse("event: ping\n\nid: 3\n\ndata\n\n");
  // "data" with no colon is a data field with an empty value: data "" + "\n".
  ASSERT_EQ(got.events.size(), 1u);
  EXPECT_EQ(got.events[0], event("message", "", "3"));
}

TEST(SseParser, EventTypeResetsButIdPersists) {
  auto got = parse("event: a\nid: 1\ndata: x\n\ndata: y\n\n");
  ASSERT_EQ(got.events.size(), 2u);
  EXPECT_EQ(got.events[0], event("a", "x", "1"));
  EXPECT_EQ(got.events[1], event("message", "y", "1"));
}

TEST(SseParser, IdWithNulIsIgnoredAndEmptyIdClears) {
  using namespace std::string_literals;
  auto got = parse("id: 5\ndata: a\n\nid: 6\0x\ndata: b\n\nid\ndata: c\n\n"s);
  ASSERT_EQ(got.events.size(), 3u);
  EXPECT_EQ(got.events[0].id, "5");
  EXPECT_EQ(got.events[1].id, "5");
  EXPECT_EQ(got.events[2].id, "");
}

TEST(SseParser, RetryTakesDigitsOnly) {
  auto got = parse("retry: 1500\nretry: 15x\nretry: -1\nretry:\nretry: 20\n\n");
  EXPECT_EQ(got.retries, (std::vector<long long>{1500, 20}));
  EXPECT_TRUE(got.events.empty());
}

TEST(SseParser, CrLfCrAndLfLineEnds) {
  for (const char* stream : {"data: a\r\ndata: b\r\n\r\n", "data: a\rdata: b\r\r",
                             "data: a\ndata: b\n\n", "data: a\r\ndata: b\r\r\n"}) {
    for (std::size_t piece : {0, 1, 2, 3, 5}) {
      auto got = parse(stream, piece);
      ASSERT_EQ(got.events.size(), 1u) << stream << " piece " << piece;
      EXPECT_EQ(got.events[0].data, "a\nb") << stream << " piece " << piece;
    }
  }
}

TEST(SseParser, CrThenLfAcrossReadsIsOneLineEnd) {
  // "\r" ends a chunk and "\n" starts the next: one line end, not a blank line.
  Collected out;
  SseParser parser([&](const SseEvent& e) { out.events.push_back(e); });
  parser.feed("data: a\r");
  parser.feed("\ndata: b\r");
  parser.feed("\n");
  EXPECT_TRUE(out.events.empty());
  parser.feed("\r\n");
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].data, "a\nb");
}

TEST(SseParser, LeadingBomIsDroppedOnce) {
  for (std::size_t piece : {0, 1, 2}) {
    auto got = parse(
        "\xEF\xBB\xBF"
        "data: x\n\n\xEF\xBB\xBF"
        "data: y\n\n",
        piece);
    ASSERT_EQ(got.events.size(), 1u) << piece;  // the second BOM makes a field name
    EXPECT_EQ(got.events[0].data, "x");
  }
  // A BOM's first byte alone is content, not dropped.
  auto got = parse(
      "\xEF"
      "data: x\n\ndata: y\n\n");
  ASSERT_EQ(got.events.size(), 1u);
  EXPECT_EQ(got.events[0].data, "y");
}

TEST(SseParser, EverySplitGivesTheSameEvents) {
  const std::string stream =
      "\xEF\xBB\xBF: hi\r\nevent: e1\r\ndata: first\r\nid: 1\r\n\r\n"
      "data: second\rdata: more\r\rretry: 250\nevent: e3\ndata:third\n\n";
  auto whole = parse(stream);
  ASSERT_EQ(whole.events.size(), 3u);
  EXPECT_EQ(whole.events[0], event("e1", "first", "1"));
  EXPECT_EQ(whole.events[1], event("message", "second\nmore", "1"));
  EXPECT_EQ(whole.events[2], event("e3", "third", "1"));
  EXPECT_EQ(whole.retries, std::vector<long long>{250});
  for (std::size_t piece = 1; piece < stream.size(); ++piece) {
    auto got = parse(stream, piece);
    EXPECT_EQ(got.events, whole.events) << "piece " << piece;
    EXPECT_EQ(got.retries, whole.retries) << "piece " << piece;
  }
}

TEST(SseParser, ResetDropsThePartialEventAndKeepsTheLastId) {
  Collected out;
  SseParser parser([&](const SseEvent& e) { out.events.push_back(e); });
  parser.feed("id: 9\ndata: done\n\nid: 10\ndata: cut off");
  parser.reset();
  EXPECT_EQ(parser.last_event_id(), "9");
  parser.feed(
      "\xEF\xBB\xBF"
      "data: next\n\n");
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[1], event("message", "next", "9"));
}

TEST(SseParser, AnEventPastTheLimitThrowsAndTheParserRecovers) {
  Collected out;
  SseParser parser([&](const SseEvent& e) { out.events.push_back(e); }, {}, 64);
  EXPECT_THROW(parser.feed(std::string(100, 'x')), tether::Error);
  parser.reset();
  EXPECT_THROW(
      {
        for (int i = 0; i < 10; ++i) parser.feed("data: 0123456789\n");
      },
      tether::Error);
  parser.reset();
  parser.feed("data: small\n\n");
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].data, "small");
}

TEST(SseParser, AHandlerThatThrowsLeavesTheParserUsable) {
  int calls = 0;
  SseParser parser([&](const SseEvent&) {
    if (++calls == 1) throw std::runtime_error("user code");
  });
  EXPECT_THROW(parser.feed("data: a\n\n"), std::runtime_error);
  parser.feed("data: b\n\n");
  EXPECT_EQ(calls, 2);
}

}  // namespace
