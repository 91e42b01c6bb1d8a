#!/usr/bin/python3
"""Schedule benchmarks for `make bench` (see docs/PERFORMANCE.md).

1. `checkin calendar EXPRS --iterations 100000` against `systemd-analyze calendar` with the same
   expressions, base time and TZ, as whole processes, side by side and alternating, RUNS times
   each; medians and the ratio. Output goes to /dev/null (both print the same lines).
2. A whole year of the default config's prompts: `checkin next --from 2026-01-01 --count N`,
   where N is the number of firings in 2026 (counted first), median of RUNS.

CHECKIN selects the binary (default .build/release/checkin).
"""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKIN = os.environ.get("CHECKIN", os.path.join(ROOT, ".build", "release", "checkin"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
# Not in the mix: an expression with its own zone ("Sat,Sun 10:00 Asia/Kolkata") takes
# systemd-analyze 18.8 s for 100,000 iterations here (it loads the zone for every step), checkin
# 0.10 s; it would dominate the run time and the ratio.
ITERATIONS = int(os.environ.get("CALENDAR_ITERATIONS", "100000"))
EXPRESSIONS = [
    "Mon..Fri *-*-* 09..17:00/30",
    "*-*~1 18:00",
    "Sat,Sun 10:00",
    "hourly",
    "*:0/15",
    "quarterly",
    "*-02-29 12:00",
    "2026..2100-*-01,15 08:00:00.25",
]
BASE = "@1767225600"  # 2026-01-01T00:00:00Z
ENV = dict(os.environ, TZ="Europe/Berlin", SYSTEMD_COLORS="0", LC_ALL="C")


def timed(argv, env=ENV):
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit("bench: %s failed: %s" % (argv[0], r.stderr.decode()[:500]))
    return elapsed


def main():
    if not os.path.exists(CHECKIN):
        raise SystemExit("bench: build the release CLI first (make release), or set CHECKIN")
    ours_cmd = [CHECKIN, "calendar", *EXPRESSIONS, "--iterations", str(ITERATIONS), "--base-time", BASE]
    theirs_cmd = ["systemd-analyze", "calendar", *EXPRESSIONS, "--iterations=%d" % ITERATIONS, "--base-time=" + BASE]
    ours, theirs = [], []
    for _ in range(RUNS):
        ours.append(timed(ours_cmd))
        theirs.append(timed(theirs_cmd))
    mo, mt = statistics.median(ours), statistics.median(theirs)
    lines = [
        "calendar, %d expressions x %d iterations (TZ=Europe/Berlin), %d runs each, alternating:" % (len(EXPRESSIONS), ITERATIONS, RUNS),
        "  checkin calendar:        median %.3f s (min %.3f, max %.3f)" % (mo, min(ours), max(ours)),
        "  systemd-analyze calendar: median %.3f s (min %.3f, max %.3f)" % (mt, min(theirs), max(theirs)),
        "  ratio systemd-analyze / checkin: %.2fx (above 1 means checkin is faster)" % (mt / mo),
    ]

    # A year of the default config's prompts.
    env = dict(ENV, XDG_CONFIG_HOME="/nonexistent-checkin-bench", XDG_DATA_HOME="/nonexistent-checkin-bench")
    # 10,000 firings reach well into 2027 with the default config; count those in 2026.
    listing = subprocess.run([CHECKIN, "next", "--from", "2026-01-01", "--count", "10000"], capture_output=True, env=env, text=True)
    if listing.returncode != 0 or " 2027-" not in listing.stdout:
        raise SystemExit("bench: checkin next did not list a whole year: " + listing.stderr)
    in_year = sum(1 for l in listing.stdout.splitlines() if " 2026-" in l)
    year = [timed([CHECKIN, "next", "--from", "2026-01-01", "--count", str(in_year)], env=env) for _ in range(RUNS)]
    lines.append("a year of the default config (%d prompts in 2026): checkin next median %.1f ms (min %.1f) as a whole process  [budget 50 ms]"
                 % (in_year, statistics.median(year) * 1000, min(year) * 1000))
    text = "\n".join(lines)
    print(text)
    out_dir = os.path.dirname(os.path.dirname(CHECKIN))
    with open(os.path.join(out_dir, "bench-schedule.txt"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
