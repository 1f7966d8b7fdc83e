#!/usr/bin/env python3
"""tools/solve-levels.py — finds a solution token for every level in scenarios/levels/ and
rewrites scenarios/levels/solutions.txt.

A level's token must make `kesim replay` reach the level's goal. `kesim explore` looks for a
schedule that breaks the level's `expect` (or, without one, any run that does not complete),
which is usually the goal but not always (a hang where the goal is a deadlock, say), so every
candidate is replayed and kept only if `goal.met` is true. Candidates, in order: iterative dfs
(shrunk, short tokens); a breadth-first walk over short dfs tokens (every choice sequence of
length <= 5 with picks 0..2), which finds the shortest solution when the explorer's first
failure is not the goal; then random and pct (long, unshrunk tokens). A level whose solution is `exhaustive` (the "prove
the fix" level: every schedule reaches the goal) is kept as it is.

Run it after changing a level or the scheduler (tokens name choices, so a scheduler change can
move them): tools/solve-levels.py [--kesim PATH] [LEVEL.yaml ...]. Review `git diff` after.
"""
import argparse
import itertools
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LEVELS = ROOT / "scenarios" / "levels"
SOLUTIONS = LEVELS / "solutions.txt"


def kesim_json(kesim, *args):
    p = subprocess.run([kesim, *args, "--format", "json"], capture_output=True, text=True)
    if p.returncode == 2:
        return None
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError:
        return None


def goal_met(kesim, level, token):
    d = kesim_json(kesim, "replay", str(level), "--schedule", token)
    return bool(d and d.get("goal", {}).get("met"))


def file_hash(level):
    # A token's prefix: 32-bit FNV-1a of the file's bytes, 8 hex digits (README, "Exploring
    # schedules"; sim/explore/token.cpp).
    h = 2166136261
    for b in level.read_bytes():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return f"{h:08x}"


def solve(kesim, level):
    d = kesim_json(kesim, "explore", str(level), "--strategy", "dfs")
    token = (d or {}).get("token")
    if token and goal_met(kesim, level, token):
        return token
    prefix = file_hash(level)
    for n in range(1, 6):
        for seq in itertools.product(range(3), repeat=n):
            if seq[-1] == 0:
                continue
            token = prefix + "/dfs:" + ".".join(map(str, seq))
            if goal_met(kesim, level, token):
                return token
    for args in (["--strategy", "random", "--runs", "3000"], ["--strategy", "pct", "--runs", "3000"]):
        d = kesim_json(kesim, "explore", str(level), *args)
        token = (d or {}).get("token")
        if token and goal_met(kesim, level, token):
            return token
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kesim", default=str(ROOT / "build/test/tools/kesim/kesim"))
    ap.add_argument("levels", nargs="*")
    a = ap.parse_args()
    old = {}
    if SOLUTIONS.exists():
        for line in SOLUTIONS.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                name, token = line.split()
                old[name] = token
    wanted = {pathlib.Path(p).name for p in a.levels}
    lines, failed = [], []
    for level in sorted(LEVELS.glob("[0-9]*.yaml")):
        token = old.get(level.name)
        if token != "exhaustive" and (not wanted or level.name in wanted):
            token = solve(a.kesim, level)
            print(f"{level.name}: {token}", file=sys.stderr)
        if token is None:
            failed.append(level.name)
            continue
        lines.append(f"{level.name} {token}")
    header = ("# Solutions of the levels: FILE TOKEN, one per line; `kesim replay FILE --schedule TOKEN`\n"
              "# reaches the level's goal. `exhaustive` means every schedule reaches it (a \"prove the\n"
              "# fix\" level: exploration finds no schedule that breaks it). Regenerate with\n"
              "# tools/solve-levels.py; tests/levels/levels_test.py checks every line.\n")
    SOLUTIONS.write_text(header + "\n".join(lines) + "\n")
    if failed:
        print("no solution found for: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
