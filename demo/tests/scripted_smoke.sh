#!/usr/bin/env bash
# `make demo`'s scripted session, piped: it passes its own check, reports
# what happened, and writes no escape codes. With --no-cancel (the control
# experiment, nothing aborted) the same check must catch stale previews.
set -uo pipefail
demo=$1
fail() { echo "FAIL: $*" >&2; echo "----- output -----" >&2; echo "$out" >&2; exit 1; }

out=$("$demo" --seed 3 </dev/null | cat); rc=$?
echo "$out" | tail -9
[ "$rc" -eq 0 ] || fail "exit status $rc"
echo "$out" | grep -q 'Verdict: no stale preview was ever shown' || fail "no passing verdict"
if printf '%s' "$out" | grep -q $'\x1b'; then fail "escape codes in piped output"; fi
count() { echo "$out" | sed -n "s/^  $1 *\([0-9]*\).*/\1/p"; }
[ "$(count keystrokes)" -gt 0 ] || fail "no keystrokes"
[ "$(count 'requests sent')" -gt 0 ] || fail "no request sent"
[ "$(count aborted)" -gt 0 ] || fail "nothing aborted"
[ "$(count 'previews shown')" -gt 0 ] || fail "no preview shown"
echo "$out" | grep -Eq 'server +#[0-9]+ +saw the connection close' || fail "the server saw no close"

out=$("$demo" --seed 3 --no-cancel --speed 2 </dev/null | cat); rc=$?
[ "$rc" -eq 1 ] || fail "--no-cancel: exit status $rc, the check should have failed"
echo "$out" | grep -Eq 'previews were stale' || fail "--no-cancel: no stale preview reported"
echo PASS
