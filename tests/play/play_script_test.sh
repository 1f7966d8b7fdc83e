#!/bin/sh
# tests/play/play_script_test.sh KESIM LEVEL — the line protocol driven by a script on stdin:
# a view, a pick, undo, a hint, the level's solution (Alice takes A; at her second acquire the
# quantum ends in favour of Bob), then end of input. The goal is announced, and the token
# printed replays the same run: `kesim replay` prints the same trace hash.
set -u
kesim=$1
file=$2
fail() { echo "FAIL: $1"; exit 1; }
out=$(printf '!locks\n2\nundo\nhint\n1\n2\n' | "$kesim" play "$file")
rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "exit status $rc (0: the goal was reached)"
echo "$out" | grep -qx 'choice> !locks' || fail "the command typed is not echoed after the prompt"
echo "$out" | grep -q '^--- choice 1, t = ' || fail "no choice heading"
echo "$out" | grep -qF '(undo: back to choice 1)' || fail "undo not reported"
echo "$out" | grep -qF 'hint 1/2: ' || fail "no hint"
echo "$out" | grep -qF '(end of input)' || fail "end of input not reported"
echo "$out" | grep -qF '=== end of play (you quit' || fail "no end of play"
echo "$out" | grep -qx 'Goal reached!' || fail "the goal is not announced"
token=$(echo "$out" | sed -n 's/^schedule: //p')
[ -n "$token" ] || fail "no token"
h1=$(echo "$out" | grep -o 'trace hash [0-9a-f]*' | tail -1)
h2=$("$kesim" replay "$file" --schedule "$token" | grep -o 'trace hash [0-9a-f]*' | tail -1)
echo "play: $h1, replay: $h2"
[ -n "$h1" ] && [ "$h1" = "$h2" ] || fail "replay of $token differs"
