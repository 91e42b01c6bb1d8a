#!/usr/bin/python3
"""Insight benchmarks (checkin stats, history, import, export) against budgets.

A journal of ENTRIES entries (default 100,000) spread over about three years up to now, with
tags, notes (some with commas, quotes, line breaks and non-ASCII text) and Berlin's UTC offsets,
is generated as a CSV export and imported with `checkin import` -- which is itself the import
benchmark. Prompts for two reminders (three mood check-ins a day, breaks every 50 minutes on
weekdays) are then added with Python's sqlite3 using the journal's schema, and some entries are
linked to answered prompts. Then, as whole processes (fork, exec, open the journal, work, print,
exit), the median of runs of:

  checkin stats              over the whole journal          budget 150 ms
  checkin history --since 7d                                 budget  30 ms
  checkin import FILE.csv    100,000 rows into an empty journal   budget 3000 ms
  checkin export --format csv, whole journal, to /dev/null   budget 1000 ms
  checkin status             against checkind running on that journal (private
                             dbus-daemon, no notification server)  budget 20 ms

Prints a table (median, min, budget, median/budget) and exits 1 when a median is over its budget.

Usage: scripts/bench_insight.py [CHECKIN]   (default: $CHECKIN, else .build/release/checkin)
Environment: BENCH_RUNS (default 15; import and export: a third of it, at least 3),
BENCH_ENTRIES (default 100000), BENCH_KEEP=1 keeps the temporary directory.
"""
import calendar
import csv
import io
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
SLOW_RUNS = max(3, RUNS // 3)
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "100000"))
TAGS = ["work", "coffee", "sleep", "outside", "friends", "exercise", "family", "screen", "music", "café"]
NOTES = ["walk in the park", "tired, but ok", 'said "no" to a meeting', "long day\nshort night",
         "gut geschlafen ☀", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""]
BUDGETS_MS = {"stats": 150, "history": 30, "import": 3000, "export": 1000, "status": 20}


_SUMMER = {}


def berlin_offset(t):
    """+02:00 from the last Sunday of March to the last Sunday of October (01:00 UTC), else +01:00."""
    y = time.gmtime(t).tm_year
    if y not in _SUMMER:
        def last_sunday(month):
            d = calendar.timegm((y + (month == 12), month % 12 + 1, 1, 0, 0, 0)) - 86400
            while time.gmtime(d).tm_wday != 6:
                d -= 86400
            return d + 3600
        _SUMMER[y] = (last_sunday(3), last_sunday(10))
    start, end = _SUMMER[y]
    return 7200 if start <= t < end else 3600


def iso(t, offset):
    local = time.gmtime(t + offset)
    sign = "+" if offset >= 0 else "-"
    a = abs(offset)
    return time.strftime("%Y-%m-%dT%H:%M:%S", local) + "%s%02d:%02d" % (sign, a // 3600, a % 3600 // 60)


def generate_csv(path, now):
    rng = random.Random(20260301)
    start = now - 3 * 365 * 86400
    step = (now - 3600 - start) / ENTRIES
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["time", "mood", "anxiety", "note", "tags", "source"])
    for i in range(ENTRIES):
        t = int(start + i * step + rng.random() * step * 0.5)
        mood = rng.randint(1, 5)
        anxiety = "" if rng.random() < 0.1 else rng.randint(1, 5)
        tags = sorted(set(rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2, 3]))))
        w.writerow([iso(t, berlin_offset(t)), mood, anxiety, rng.choice(NOTES), ",".join(tags),
                    rng.choice(["notification", "cli", "import"])])
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def add_prompts(db_path, now):
    """Prompts of 'mood' (10:00, 14:00, 19:00) and 'break' (every 50 min 09:00-18:00, weekdays)."""
    rng = random.Random(7)
    states = ["answered"] * 7 + ["expired", "skipped", "dismissed", "missed"]
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA foreign_keys=ON")
    rows = []
    day0 = (now - 3 * 365 * 86400) // 86400
    for day in range(day0, now // 86400 + 1):
        base = day * 86400 - 3600
        slots = [("mood", "mood", base + h * 3600) for h in (10, 14, 19)]
        if time.gmtime(day * 86400).tm_wday < 5:
            slots += [("break", "break", base + 9 * 3600 + k * 3000) for k in range(11)]
        for reminder, kind, at in slots:
            if at > now:
                continue
            state = rng.choice(states)
            delivered = None if state == "missed" else at
            outcome = None if state == "missed" else at + rng.randint(5, 600)
            action = {"answered": "done" if kind == "break" else str(rng.randint(1, 5)), "skipped": "skip"}.get(state)
            rows.append((str(uuid.UUID(int=rng.getrandbits(128))), reminder, kind, at, delivered, None, state, outcome, action, 0))
    con.executemany("INSERT INTO prompts VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    # Link entries to answered mood prompts: the first entry after each, if within 10 minutes.
    con.execute("""
        UPDATE entries SET prompt_id = (SELECT p.id FROM prompts p WHERE p.reminder = 'mood' AND p.state = 'answered'
                                        AND p.scheduled_at <= entries.recorded_at AND p.scheduled_at > entries.recorded_at - 600
                                        ORDER BY p.scheduled_at LIMIT 1)
        WHERE source = 'notification'""")
    con.commit()
    n = con.execute("SELECT count(*) FROM prompts").fetchone()[0]
    linked = con.execute("SELECT count(*) FROM entries WHERE prompt_id IS NOT NULL").fetchone()[0]
    con.close()
    return n, linked


def timed(argv, env, stdout=subprocess.DEVNULL):
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit("bench: %s failed (exit %d): %s" % (" ".join(argv[1:3]), r.returncode, r.stderr.decode()[:500]))
    return elapsed


def status_times(checkin, env, tmp):
    """`checkin status` runs against checkind (next to `checkin`) on the big journal, on a private
    bus. The daemon answers Status() with today's count from that journal."""
    checkind = os.path.join(os.path.dirname(checkin), "checkind")
    # A bus without service directories: nothing (a desktop's notification daemon) is activated.
    config = os.path.join(tmp, "bus.conf")
    with open(config, "w") as f:
        f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" '
                '"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                '<busconfig><type>session</type><listen>unix:dir=%s</listen><auth>EXTERNAL</auth>'
                '<policy context="default"><allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/></policy></busconfig>\n' % tmp)
    bus = subprocess.Popen(["dbus-daemon", "--config-file=" + config, "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    daemon = None
    try:
        address = bus.stdout.readline().strip()
        env = dict(env, DBUS_SESSION_BUS_ADDRESS=address, CHECKIN_LOG="stderr")
        daemon = subprocess.Popen([checkind], env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while subprocess.run([checkin, "status"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL).returncode != 0:
            if time.monotonic() > deadline or daemon.poll() is not None:
                raise SystemExit("bench: checkind did not come up on the benchmark journal")
            time.sleep(0.05)
        times = []
        for _ in range(max(RUNS, 30)):
            t0 = time.perf_counter()
            r = subprocess.run([checkin, "status"], env=env, stdout=subprocess.PIPE)
            times.append(time.perf_counter() - t0)
            if r.returncode != 0 or not r.stdout.startswith(b"checkind is running."):
                raise SystemExit("bench: checkin status failed: %r" % r.stdout)
        return times
    finally:
        for p in (daemon, bus):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def main():
    checkin = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CHECKIN", os.path.join(ROOT, ".build", "release", "checkin"))
    if not os.access(checkin, os.X_OK):
        raise SystemExit("bench: %s is not there; build it first (make release), or pass the checkin binary" % checkin)
    tmp = tempfile.mkdtemp(prefix="checkin-bench-insight-")
    try:
        now = int(time.time())
        csv_path = os.path.join(tmp, "journal.csv")
        generate_csv(csv_path, now)
        base_env = {"PATH": "/usr/bin:/bin", "TZ": "Europe/Berlin", "HOME": tmp, "LANG": "C.UTF-8",
                    "XDG_CONFIG_HOME": os.path.join(tmp, "no-config")}

        def env_for(name):
            return dict(base_env, XDG_DATA_HOME=os.path.join(tmp, name))

        results = {}
        # Import into a fresh journal each time.
        imports = []
        for i in range(SLOW_RUNS):
            imports.append(timed([checkin, "import", csv_path], env_for("import-%d" % i)))
        results["import"] = imports
        main_env = env_for("import-0")
        db_path = os.path.join(tmp, "import-0", "checkin", "checkin.sqlite")
        again = subprocess.run([checkin, "import", csv_path], env=main_env, capture_output=True, text=True)
        if again.stdout.strip() != "Imported 0 entries, skipped %d already present." % ENTRIES:
            raise SystemExit("bench: importing the file twice was not idempotent: " + again.stdout + again.stderr)
        prompts, linked = add_prompts(db_path, now)

        results["stats"] = [timed([checkin, "stats"], main_env) for _ in range(RUNS)]
        results["history"] = [timed([checkin, "history", "--since", "7d"], main_env) for _ in range(RUNS)]
        results["export"] = [timed([checkin, "export", "--format", "csv"], main_env) for _ in range(SLOW_RUNS)]
        results["status"] = status_times(checkin, main_env, tmp)

        lines = ["checkin insight, %d entries over 3 years (%d prompts, %d entries linked), TZ=Europe/Berlin, %s"
                 % (ENTRIES, prompts, linked, checkin),
                 "  %-28s %5s %10s %10s %10s %7s" % ("command", "runs", "median ms", "min ms", "budget ms", "ratio")]
        labels = {"stats": "stats (whole journal)", "history": "history --since 7d",
                  "import": "import %d rows (CSV)" % ENTRIES, "export": "export --format csv",
                  "status": "status (daemon running)"}
        blown = []
        for key in ["stats", "history", "import", "export", "status"]:
            times = results[key]
            median = statistics.median(times) * 1000
            ratio = median / BUDGETS_MS[key]
            lines.append("  %-28s %5d %10.1f %10.1f %10d %6.2fx%s" % (labels[key], len(times), median, min(times) * 1000,
                                                                    BUDGETS_MS[key], ratio, "  OVER BUDGET" if ratio > 1 else ""))
            if ratio > 1:
                blown.append(labels[key])
        text = "\n".join(lines)
        print(text)
        if blown:
            print("bench: over budget: " + ", ".join(blown), file=sys.stderr)
            sys.exit(1)
    finally:
        if os.environ.get("BENCH_KEEP") == "1":
            print("kept " + tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
