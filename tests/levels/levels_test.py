#!/usr/bin/env python3
"""The classroom levels and their solutions (issue #11 item 2; README "Levels").

usage: levels_test.py KESIM LEVELS_DIR

For every scenarios/levels/NN_*.yaml:
  (a) `kesim check` accepts it;
  (b) `kesim run --format json` (the default schedule, seed 0) carries a goal and does NOT
      meet it: a level is a puzzle, the student must find the interleaving;
  (c) `kesim replay FILE --schedule TOKEN --format json` with the token of solutions.txt
      meets the goal;
  (d) every level has exactly one line in solutions.txt, and every line names a level.
A level whose solution is `exhaustive` is a "prove the fix" level: its default run meets the
goal, and an exhaustive dfs exploration finds no schedule that breaks it.
Prints one line per level and exits 1 on any failure.
"""
import json
import pathlib
import subprocess
import sys

EXHAUSTIVE_DFS = ["--strategy", "dfs", "--preemption-bound", "40", "--runs", "1000000"]


def main():
    kesim, levels = sys.argv[1], pathlib.Path(sys.argv[2])
    failures = []

    def fail(name, why):
        failures.append(f"{name}: {why}")
        print(f"FAIL {name}: {why}")

    solutions = {}
    for n, line in enumerate((levels / "solutions.txt").read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            fail("solutions.txt", f"line {n}: expected FILE TOKEN, got {line!r}")
            continue
        if parts[0] in solutions:
            fail("solutions.txt", f"line {n}: a second solution for {parts[0]}")
        solutions[parts[0]] = parts[1]

    files = sorted(levels.glob("[0-9][0-9]_*.yaml"))
    if len(files) < 24:
        fail(str(levels), f"{len(files)} levels, the curriculum needs at least 24")
    for name in sorted(set(solutions) - {f.name for f in files}):
        fail("solutions.txt", f"{name} is not a level in {levels}")

    def run_json(*args):
        p = subprocess.run([kesim, *args, "--format", "json"], capture_output=True, text=True)
        if p.returncode not in (0, 1):  # 2: bad input or a refused token; 3: internal error
            return None, p
        try:
            d = json.loads(p.stdout)
        except json.JSONDecodeError:
            return None, p
        return (d if isinstance(d, dict) else None), p

    for f in files:
        name = f.name
        token = solutions.get(name)
        if token is None:  # (d)
            fail(name, "no line in solutions.txt")
            continue
        check = subprocess.run([kesim, "check", str(f)], capture_output=True, text=True)
        if check.returncode != 0:  # (a)
            fail(name, f"kesim check exit {check.returncode}: {check.stderr.strip()}")
            continue
        default, p = run_json("run", str(f))
        if default is None or "goal" not in default:
            fail(name, f"the default run has no goal (not a level?): {p.stderr.strip()}")
            continue
        if token == "exhaustive":
            if not default["goal"]["met"]:
                fail(name, f"prove-the-fix level: the default run misses the goal {default['goal']}")
                continue
            ex = subprocess.run([kesim, "explore", str(f), *EXHAUSTIVE_DFS], capture_output=True,
                                text=True)
            if "no schedule breaks the expectation: exhaustive" not in ex.stdout:
                fail(name, f"exploration did not exhaust the schedules without a failure: "
                           f"{ex.stdout.strip().splitlines()[-1:]}")
                continue
            print(f"ok   {name}: every schedule reaches the goal ({ex.stdout.strip().splitlines()[-1]})")
            continue
        if default["goal"]["met"]:  # (b)
            fail(name, "the default schedule already reaches the goal: not a puzzle")
            continue
        solved, p = run_json("replay", str(f), "--schedule", token)
        if solved is None:
            fail(name, f"replay {token} failed: {p.stderr.strip()}")
            continue
        if not solved["goal"]["met"]:  # (c)
            fail(name, f"replay {token} ends {solved['outcome']}, goal not met: "
                       f"{solved['goal']['mismatches']}")
            continue
        print(f"ok   {name}: default {default['outcome']}, {token} reaches {solved['outcome']}")

    print(f"{len(files)} levels, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
