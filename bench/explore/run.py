#!/usr/bin/env python3
"""bench/explore/run.py — the exploration benchmark: every *_bug.yaml here (a kernel-sync bug
that the default schedule does not hit) and its *_ok.yaml twin (the fix), explored by each
strategy. Prints a Markdown table: per bug and strategy, found (schedules to the bug, wall ms)
or not; per twin, false alarms (a correct twin reported broken). Usage:

    bench/explore/run.py [--kesim PATH] [--budget 30s] [--runs 10000] [--twin-runs 1000]
                         [--strategies portfolio,random,pct,pos,dfs]

Wall-clock figures depend on the machine and its load; schedule counts do not (kesim is
deterministic: the same build gives the same counts).
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def explore(kesim, scenario, strategy, runs, budget):
    cmd = [kesim, "explore", str(scenario), "--strategy", strategy, "--runs", str(runs),
           "--budget", budget, "--format", "json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr}")
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kesim", default=str(ROOT / "build/test/tools/kesim/kesim"))
    ap.add_argument("--budget", default="30s")
    ap.add_argument("--runs", type=int, default=10000)
    ap.add_argument("--twin-runs", type=int, default=1000)
    ap.add_argument("--strategies", default="portfolio,random,pct,pos,dfs")
    a = ap.parse_args()
    strategies = a.strategies.split(",")
    bugs = sorted(HERE.glob("*_bug.yaml"))
    print("| bug | " + " | ".join(strategies) + " |")
    print("|---|" + "---|" * len(strategies))
    found_by_default = []
    for bug in bugs:
        cells = []
        for s in strategies:
            j = explore(a.kesim, bug, s, a.runs, a.budget)
            if j["found"]:
                cells.append(f"{j['schedules']} ({j['wall_ms']} ms)")
                if s == strategies[0]:
                    found_by_default.append(j["schedules"])
            else:
                cells.append(f"not found, {j['schedules']}")
        print(f"| {bug.stem[:-4]} | " + " | ".join(cells) + " |")
    print()
    alarms = []
    for twin in sorted(HERE.glob("*_ok.yaml")):
        for s in strategies:
            j = explore(a.kesim, twin, s, a.twin_runs, a.budget)
            if j["found"]:
                alarms.append(f"{twin.stem} ({s}: {j['token']})")
    n = len(bugs)
    print(f"{strategies[0]}: {len(found_by_default)} of {n} bugs found", end="")
    if found_by_default:
        print(f", median {statistics.median(found_by_default):g} schedules to the bug, "
              f"max {max(found_by_default)}", end="")
    print(f"; false alarms on the {len(list(HERE.glob('*_ok.yaml')))} twins "
          f"({a.twin_runs} schedules per strategy): {len(alarms)}")
    for x in alarms:
        print("  false alarm:", x)
    return 1 if alarms else 0


if __name__ == "__main__":
    sys.exit(main())
