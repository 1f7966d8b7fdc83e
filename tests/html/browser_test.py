#!/usr/bin/env python3
"""tests/html/browser_test.py — the HTML report (`kesim run --html`) in a real browser.

For every seed scenario (scenarios/seeds/*.yaml): headless Chromium loads the page with no
console error and no failed load, and the rendered DOM has a lane per CPU and thread and the
views filled in by the page's script. Then the step slider: `#step=K` in the URL shows snapshot
K's views (checked against the snapshot data in the page). One screenshot per page must be a
non-trivial PNG. A 10,000-step run must load in under 2 s (the page's own
performance.now() at the end of its script, written into the DOM).

Usage: browser_test.py KESIM_BINARY SOURCE_DIR [--screenshots DIR]
Exit 0 pass, 1 fail, 77 skip (no chromium: ctest SKIP_RETURN_CODE). Standard library only.
"""
import glob
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browser(exe, args, url, timeout=60):
    """Runs headless Chromium once; returns (stdout, stderr)."""
    profile = tempfile.mkdtemp(prefix="kesim-chromium-")
    cmd = [exe, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
           "--disable-extensions", "--disable-background-networking", "--disable-dev-shm-usage",
           "--enable-logging=stderr", "--v=0", "--user-data-dir=" + profile,
           ] + args + [url]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.stdout, p.stderr
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def console_errors(stderr):
    """Console messages and uncaught errors Chromium logs to stderr (--enable-logging)."""
    out = []
    for line in stderr.splitlines():
        if "CONSOLE" in line or "Uncaught" in line or "net::ERR" in line:
            out.append(line.strip())
    return out


def snapshots_of(page):
    m = re.search(r'<script type="application/json" id="snapshots">(.*?)</script>', page, re.S)
    return json.loads(m.group(1)) if m else None


def pre_text(dom, view):
    m = re.search(r'<pre id="view-%s">(.*?)</pre>' % view, dom, re.S)
    return html.unescape(m.group(1)) if m else None


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    kesim, root = sys.argv[1], sys.argv[2]
    shots = sys.argv[sys.argv.index("--screenshots") + 1] if "--screenshots" in sys.argv else None
    exe = chromium()
    if not exe:
        print("SKIP: chromium is not installed (tools/setup.sh --browser installs it; "
              "tools/test.sh does so, so CI runs this test)")
        return SKIP
    work = tempfile.mkdtemp(prefix="kesim-html-")
    # The detector itself: a page with a script error must be caught, or this test proves nothing.
    broken = os.path.join(work, "broken.html")
    with open(broken, "w") as f:
        f.write("<html><body><script>no_such_function();</script></body></html>")
    if not console_errors(browser(exe, ["--dump-dom"], "file://" + broken)[1]):
        fail("the console-error detector missed a script error (Chromium's logging changed?)")
    seeds = sorted(glob.glob(os.path.join(root, "scenarios", "seeds", "*.yaml")))
    if len(seeds) < 10:
        fail("expected the seed scenarios under %s" % root)
    for seed in seeds:
        name = os.path.splitext(os.path.basename(seed))[0]
        out = os.path.join(work, name + ".html")
        subprocess.run([kesim, "run", seed, "--html", out], capture_output=True, timeout=120)
        if not os.path.exists(out):
            fail("%s: no HTML written" % name)
            continue
        page = open(out, encoding="utf-8").read()
        snaps = snapshots_of(page)
        if not snaps:
            fail("%s: no snapshot data" % name)
            continue
        url = "file://" + out
        dom, err = browser(exe, ["--dump-dom"], url)
        errs = console_errors(err)
        if errs:
            fail("%s: console errors: %s" % (name, errs[:3]))
        if 'data-step="%d"' % (len(snaps) - 1) not in dom:
            fail("%s: the script did not show the last snapshot (data-step)" % name)
        lanes = re.findall(r'<text class="lane (cpu|thread|lock)"', dom)
        if lanes.count("cpu") < 1 or lanes.count("thread") < 1:
            fail("%s: lanes missing (%s)" % (name, lanes))
        if pre_text(dom, "locks") != snaps[-1]["locks"]:
            fail("%s: !locks pane does not show the last snapshot" % name)
        # The slider: #step=K shows snapshot K (the first and a middle one).
        for k in sorted({0, len(snaps) // 2}):
            dom_k, err_k = browser(exe, ["--dump-dom"], url + "#step=%d" % k)
            if 'data-step="%d"' % k not in dom_k:
                fail("%s: #step=%d not shown" % (name, k))
            for view in ("thread", "locks", "pushlock", "apc"):
                if pre_text(dom_k, view) != snaps[k][view]:
                    fail("%s: #step=%d: !%s pane differs from snapshot %d" % (name, k, view, k))
            if console_errors(err_k):
                fail("%s: console errors at #step=%d" % (name, k))
        png = os.path.join(shots or work, name + ".png")
        browser(exe, ["--screenshot=" + png, "--window-size=1400,900", "--hide-scrollbars"], url)
        if not os.path.exists(png) or os.path.getsize(png) < 20000:
            fail("%s: screenshot missing or trivial (%s bytes)" %
                 (name, os.path.getsize(png) if os.path.exists(png) else 0))
        print("ok %s: %d snapshots, %d lanes, %d bytes" % (name, len(snaps), len(lanes), len(page)))

    # A 10,000-step run opens in under 2 s: the page records performance.now() when its script
    # has drawn the views (the SVG is parsed before), and the wall time of the whole load.
    big = os.path.join(root, "tests", "html", "ten_thousand_steps.yaml")
    out = os.path.join(work, "big.html")
    subprocess.run([kesim, "run", big, "--html", out], capture_output=True, timeout=300)
    if not os.path.exists(out):
        fail("ten_thousand_steps: no HTML written")
    else:
        steps = json.loads(subprocess.run([kesim, "run", big, "--format", "json"], capture_output=True,
                                          text=True, timeout=300).stdout or "{}").get("steps", 0)
        if steps < 10000:
            fail("ten_thousand_steps runs only %d scheduling steps" % steps)
        dom, err = browser(exe, ["--dump-dom"], "file://" + out)
        m = re.search(r'data-load-ms="([0-9.]+)"', dom)
        if not m:
            fail("ten_thousand_steps: the page did not report its load time")
        else:
            ms = float(m.group(1))
            print("ten_thousand_steps: %d steps, %d bytes, ready after %.0f ms" % (steps, os.path.getsize(out), ms))
            if ms >= 2000:
                fail("ten_thousand_steps: the page took %.0f ms (limit 2000)" % ms)
        if console_errors(err):
            fail("ten_thousand_steps: console errors")
    shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        return 1
    print("all pages rendered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
