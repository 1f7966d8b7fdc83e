#!/bin/sh
# tests/play/play_instant_test.sh KESIM LEVEL27 — same-instant events through the line protocol:
# at t = 10 ms play asks what happens first, listing Alice's timeout (1, the default) and the
# timer (2) in words; typing 2 then quit reaches the goal, and the token replays the same run.
set -u
kesim=$1
file=$2
fail() { echo "FAIL: $1"; exit 1; }
out=$(printf '2\nquit\n' | "$kesim" play "$file")
rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "exit status $rc (0: the goal was reached)"
echo "$out" | grep -q '^--- choice 1, t = 10 ms ---' || fail "no choice at t = 10 ms"
echo "$out" | grep -qF 'What happens first?' || fail "the question is not worded"
echo "$out" | grep -qF "* 1  Alice's wait on Tick times out (STATUS_TIMEOUT)" || fail "the timeout is not choice 1 (default)"
echo "$out" | grep -qF '  2  timer Tick expires (signaled: Alice waits on it)' || fail "the timer is not choice 2"
echo "$out" | grep -qx 'Goal reached!' || fail "the goal is not announced"
token=$(echo "$out" | sed -n 's/^schedule: //p')
case "$token" in */dfs:1) ;; *) fail "token $token, expected HASH/dfs:1" ;; esac
h1=$(echo "$out" | grep -o 'trace hash [0-9a-f]*' | tail -1)
h2=$("$kesim" replay "$file" --schedule "$token" | grep -o 'trace hash [0-9a-f]*' | tail -1)
echo "play: $h1, replay: $h2"
[ -n "$h1" ] && [ "$h1" = "$h2" ] || fail "replay of $token differs"
