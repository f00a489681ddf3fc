#!/usr/bin/env bash
# Drives `tether_demo --interactive` in a real terminal (tmux): types, checks
# that a request is sent, that typing on aborts it (and the server sees the
# close), that the preview of the typed text appears, and that Esc quits and
# leaves a summary. Waits on the captured screen, with generous bounds.
set -euo pipefail
demo=$1
socket="tether-demo-test-$$"
tmux_() { tmux -L "$socket" -f /dev/null "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true' EXIT

screen() { tmux_ capture-pane -p -t demo; }
# wait_for <extended regex> [seconds]: polls the screen until it matches.
wait_for() {
  local pattern=$1 bound=${2:-60} start=$SECONDS
  until screen | grep -Eq -- "$pattern"; do
    if (( SECONDS - start > bound )); then
      echo "FAIL: after ${bound}s the screen does not match: $pattern" >&2
      echo "----- screen -----" >&2
      screen >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "ok: $pattern"
}

# A server slower than the typing below, so the first request is surely still
# in flight when the next keys come.
tmux_ new-session -d -s demo -x 150 -y 50 \
  "'$demo' --interactive --min-latency 1500 --max-latency 2000 --debounce 200 --seed 7; \
   echo DEMO-EXIT:\$?; sleep 120"

wait_for 'type markdown; the preview follows'
tmux_ send-keys -t demo -l '# Hel'
wait_for 'sent +#1 +"# Hel"'
tmux_ send-keys -t demo -l 'lo *world*'
wait_for 'aborted +#1 '
wait_for 'server +#1 +saw the connection close'
wait_for '<h1>Hello <em>world</em></h1>'
# Backspace and an arrow key's escape sequence are edits and noise, not a quit.
tmux_ send-keys -t demo BSpace Left
wait_for '<h1>Hello \*world</h1>'
tmux_ send-keys -t demo Escape
wait_for 'DEMO-EXIT:0'
wait_for 'no stale preview was ever shown'
screen | grep -Eq 'aborted \(the server saw [1-9]' || { echo "FAIL: no abort in the summary"; screen; exit 1; }
echo PASS
