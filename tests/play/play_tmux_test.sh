#!/bin/sh
# tests/play/play_tmux_test.sh KESIM LEVEL — the full-screen `kesim play` as a person sees it:
# start it in a detached tmux session of 120x40 on a private server (-L, so no other tmux is
# touched), type with send-keys, read the screen with capture-pane. Exit 77 (ctest: skipped)
# when tmux is missing.
set -u
kesim=$1
file=$2
command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed: skipped"; exit 77; }
sock="kesim-play-test-$$"
screen=$(mktemp)
t() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { t kill-server >/dev/null 2>&1; rm -f "$screen"; }
trap cleanup EXIT
fail() { echo "FAIL: $1"; echo "---- screen ----"; cat "$screen"; exit 1; }
# Waits until the screen shows the text (fixed string), up to ~10 s.
wait_for() {
  i=0
  while [ $i -lt 100 ]; do
    t capture-pane -p -t play >"$screen" 2>/dev/null
    grep -qF -- "$1" "$screen" && return 0
    sleep 0.1
    i=$((i + 1))
  done
  fail "the screen never showed '$1'"
}

t new-session -d -s play -x 120 -y 40 "'$kesim' play '$file'; echo '[play exited]'; sleep 60" ||
  fail "tmux could not start"
# The first frame: the title bar, the machine panel, the numbered choices, the input line.
wait_for "choice>"
wait_for "Test level: the deadly embrace"
wait_for "Choices"
wait_for "THREAD"
grep -qE '^\* 1  (Alice|Bob) ' "$screen" || fail "no numbered choice marked as the default"
# A view is shown in the messages area, and the same choice point stays on screen.
t send-keys -t play '!locks' Enter
wait_for "kd> !locks"
# Solve the level: Enter (the default) until Alice is about to take B with a quantum end on
# offer, then take the quantum end: Bob takes B and both wait for ever.
n=0
while [ $n -lt 40 ]; do
  t capture-pane -p -t play >"$screen"
  grep -qF "Goal reached!" "$screen" && break
  grep -qF "[play exited]" "$screen" && break
  choice=$(sed -n 's/^[* ] \([0-9]*\)  preempt Alice for Bob (quantum end)$/\1/p' "$screen" | head -1)
  if [ -n "$choice" ] && grep -qE '^  Alice .*ExAcquirePushLockExclusive: B' "$screen"; then
    t send-keys -t play "$choice" Enter
  else
    t send-keys -t play Enter
  fi
  n=$((n + 1))
  sleep 0.3
done
wait_for "[play exited]"
wait_for "Goal reached!"
wait_for "schedule: "
grep -qE 'schedule: [0-9a-f]{8}/dfs:[0-9.]+' "$screen" || fail "no schedule token"
grep -qF "replay it with: kesim replay" "$screen" || fail "no replay line"
echo "ok: the terminal UI showed the choices, a view, the goal and the token"
