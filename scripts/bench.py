#!/usr/bin/python3
"""make bench: measures the release daemon against its budgets (docs/PERFORMANCE.md).

Everything runs on a private session bus (dbus-daemon) with the scripted notification server
(Tests/Fixtures/notification-server.py) and the built-in default config.

- exec -> READY=1: checkind is started BENCH_RUNS times with NOTIFY_SOCKET pointing at a datagram
  socket of ours; the time from just before fork+exec to the READY=1 datagram is taken. Two series:
  with an existing database (the usual start) and with a fresh one (first start: creates the
  schema). Each run is then stopped with SIGTERM; a run that does not exit within 5 s is killed and
  counted ("SIGTERM lost").
- idle footprint: one daemon with WATCHDOG_USEC=30000000 (like the unit's WatchdogSec=30), local
  time moved into the quiet hours (a TZ of Etc/GMT±N) so that no reminder can fire during the
  measurement. After BENCH_SETTLE seconds (longer than libdispatch's 5 s idle-worker timeout):
  VmRSS, anonymous memory (RssAnon = smaps_rollup Anonymous: every anonymous page, including
  copy-on-write pages of libraries' data), PSS, and a breakdown by mapping. Taken again at the end.
- wake-ups over IDLE_SECONDS: context switches of the whole process, counted two ways:
  * perf stat -e context-switches -p PID (counts every thread, including threads created and
    gone during the window), when perf is usable (BENCH_PERF=0 turns it off);
  * /proc/PID/task/*/status voluntary+nonvoluntary_ctxt_switches sampled every 100 ms, per thread
    (a thread that exits between samples loses its last increments, so this is a lower bound).
  Each burst of activity is placed relative to the last WATCHDOG=1 datagram, so the report says
  which wake-ups the watchdog explains and which it does not. The watchdog pings every 15 s
  (half of WATCHDOG_USEC), i.e. 4 pings a minute.

- activity source: unless BENCH_IDLE_SOURCE=0, a scripted Mutter idle monitor
  (Tests/Fixtures/activity_services.py --role mutter) is on the bus and reports the person idle
  right after READY=1, so the idle window measures a daemon that watches activity and knows the
  person is away (break due times then need no timer at all: still only watchdog wake-ups).

- checkin status: after the idle window, the release `checkin status` (next to $CHECKIND) is run
  STATUS_RUNS times against that daemon; the wall time of each run (fork, exec, connect to the
  bus, Status() call, print, exit) is taken. Budget: median <= 20 ms.

Prints a report and writes it to <build dir>/bench.txt plus bench.json (the build dir is the first
path component of $CHECKIND under the repository, e.g. .build or .build-bench; BENCH_OUT overrides).
Run from anywhere; needs dbus-daemon and /usr/bin/python3 with python3-dbus and python3-gi.
"""
import collections
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(os.environ.get("CHECKIND", os.path.join(ROOT, ".build", "release", "checkind")))
SERVER = os.path.join(ROOT, "Tests", "Fixtures", "notification-server.py")
ACTIVITY = os.path.join(ROOT, "Tests", "Fixtures", "activity_services.py")
USE_IDLE_SOURCE = os.environ.get("BENCH_IDLE_SOURCE", "1") != "0"
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
IDLE_SECONDS = int(os.environ.get("IDLE_SECONDS", "60"))
SETTLE_SECONDS = float(os.environ.get("BENCH_SETTLE", "10"))
USE_PERF = os.environ.get("BENCH_PERF", "1") != "0"
WATCHDOG_USEC = 30_000_000
SAMPLE_INTERVAL = 0.1
STOP_TIMEOUT = 5.0

BUDGET_READY_MS = 50.0
BUDGET_STATUS_MS = 20.0
STATUS_RUNS = int(os.environ.get("STATUS_RUNS", "40"))
CHECKIN = os.path.join(os.path.dirname(BIN), "checkin")
BUDGET_RSS_KIB = 16 * 1024
BUDGET_ANON_KIB = 3 * 1024
# libdispatch (Linux) retires an idle worker thread after 5 s; the thread that ran a watchdog
# ping wakes once more then to exit.
DISPATCH_WORKER_TIMEOUT = 5.0


def out_dir():
    if "BENCH_OUT" in os.environ:
        return os.environ["BENCH_OUT"]
    rel = os.path.relpath(BIN, ROOT)
    first = rel.split(os.sep)[0]
    if not rel.startswith("..") and first.startswith(".build"):
        return os.path.join(ROOT, first)
    return os.path.join(ROOT, ".build")


# ---------------------------------------------------------------------------------------------
# Processes


class Children:
    """Every process we start, so that a failure never leaves a daemon behind."""

    def __init__(self):
        self.procs = []

    def add(self, proc):
        self.procs.append(proc)
        return proc

    def cleanup(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    pass


def start_bus(tmp, children):
    proc = children.add(subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1",
         "--address=unix:dir=" + tmp],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
    address = proc.stdout.readline().strip()
    if not address:
        raise SystemExit("bench: dbus-daemon did not start")
    return proc, address


def start_peer(argv, what, children):
    """Starts a scripted D-Bus peer and waits for its READY line; its stdin takes commands."""
    proc = children.add(subprocess.Popen(["/usr/bin/python3"] + argv,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    deadline = time.time() + 10
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("READY"):
            return proc
        if not line and proc.poll() is not None:
            break
    raise SystemExit("bench: %s did not start (python3-dbus, python3-gi installed?)" % what)


def start_server(address, tmp, children):
    return start_peer([SERVER, "--address", address, "--log", os.path.join(tmp, "server.log")],
                      "the notification server", children)


def start_mutter(address, children):
    """The scripted Mutter idle monitor; its stdin takes commands, each acknowledged "OK"."""
    return start_peer([ACTIVITY, "--address", address, "--role", "mutter"], "the scripted Mutter idle monitor", children)


def mutter_command(proc, command):
    proc.stdin.write(json.dumps(command) + "\n")
    proc.stdin.flush()
    deadline = time.time() + 10
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("OK") or line.startswith("ERROR"):
            if not line.startswith("OK"):
                raise SystemExit("bench: Mutter fixture: %s" % line.strip())
            return
    raise SystemExit("bench: the Mutter fixture did not acknowledge %s" % command)


def notify_socket(tmp, name):
    path = os.path.join(tmp, name)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    return s, path


def quiet_tz():
    """A fixed-offset zone in which it is now about 02:00, inside the default quiet hours
    (22:00-07:00) and hours away from the first reminder, so nothing fires while we measure."""
    utc_hour = time.gmtime().tm_hour
    offset = (2 - utc_hour + 12) % 24 - 12          # hours east of UTC, -12..11
    if offset == 0:
        return "UTC"
    # POSIX/Etc naming is inverted: Etc/GMT-5 is UTC+5.
    return "Etc/GMT%+d" % -offset


def env_for(tmp, address, sock_path, data_name, tz="UTC"):
    env = dict(os.environ)
    for k in ("WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID"):
        env.pop(k, None)
    env.update({
        "DBUS_SESSION_BUS_ADDRESS": address,
        "NOTIFY_SOCKET": sock_path,
        "XDG_CONFIG_HOME": os.path.join(tmp, "config"),   # empty: the built-in default config
        "XDG_DATA_HOME": os.path.join(tmp, data_name),
        "CHECKIN_LOG": "stderr",
        "TZ": tz,
    })
    return env


def wait_for(sock, word, timeout=10.0):
    """Returns the datagram containing the line `word` (e.g. READY=1)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("no %s within %.0f s" % (word, timeout))
        sock.settimeout(left)
        data = sock.recv(4096).decode(errors="replace")
        if word in data.split("\n"):
            return data


def stop(proc):
    """SIGTERM, then wait; returns (exited_cleanly, rusage or None)."""
    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return True, rusage
        time.sleep(0.01)
    proc.kill()
    _, status, rusage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return False, rusage


# ---------------------------------------------------------------------------------------------
# exec -> READY=1


def ready_series(tmp, address, children, label, fresh):
    times, maxrss, cpu, lost = [], [], [], 0
    for i in range(RUNS):
        sock, path = notify_socket(tmp, "notify-%s-%d" % (label, i))
        data = "data-%s-%d" % (label, i) if fresh else "data-warm"
        env = env_for(tmp, address, path, data)
        t0 = time.perf_counter()
        proc = children.add(subprocess.Popen([BIN], env=env, stderr=subprocess.DEVNULL))
        try:
            wait_for(sock, "READY=1")
        except socket.timeout:
            proc.kill()
            raise SystemExit("bench: checkind sent no READY=1 (run it by hand with CHECKIN_LOG=stderr)")
        times.append((time.perf_counter() - t0) * 1000)
        clean, ru = stop(proc)
        lost += 0 if clean else 1
        maxrss.append(ru.ru_maxrss)
        cpu.append((ru.ru_utime + ru.ru_stime) * 1000)
        sock.close()
    return {"ms": times, "maxrss_kib": maxrss, "cpu_ms": cpu, "sigterm_lost": lost}


# ---------------------------------------------------------------------------------------------
# Memory


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k.strip()] = v.strip()
    return out


def kib(v):
    return int(v.split()[0])


def thread_stack_pointers(pid):
    """Stack pointer of every thread (from /proc/PID/task/TID/syscall; needs ptrace access)."""
    sps = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/syscall" % (pid, tid)) as f:
                fields = f.read().split()
            if len(fields) >= 3:
                sps[int(tid)] = int(fields[-2], 16)
        except (OSError, ValueError):
            pass
    return sps


def memory(pid):
    st = read_kv("/proc/%d/status" % pid)
    roll = read_kv("/proc/%d/smaps_rollup" % pid)
    sps = thread_stack_pointers(pid)
    groups = collections.defaultdict(collections.Counter)
    prev_file, prev_end = None, None
    key = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and not parts[0].endswith(":"):
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                name = parts[5] if len(parts) > 5 else ""
                if name.startswith("/"):
                    key = os.path.basename(name)
                    # A library's .bss follows its private mappings (not a shared one like -shm).
                    prev_file, prev_end = (key, hi) if parts[1].endswith("p") else (None, None)
                elif name:
                    key = name
                    prev_file = None
                elif any(lo <= sp < hi for sp in sps.values()):
                    key = "[anon: thread stacks]"
                    prev_file = None
                elif prev_file and lo == prev_end:
                    key = prev_file + " (.bss)"        # zero-fill right after a library's data
                    prev_file = None
                else:
                    key = "[anon: malloc arenas, cached stacks]"
                    prev_file = None
                groups[key]["maps"] += 1
                groups[key]["size"] += (hi - lo) // 1024
                continue
            k = parts[0].rstrip(":")
            if k in ("Rss", "Pss", "Anonymous", "Shared_Clean", "Private_Clean", "Private_Dirty"):
                groups[key][k] += int(parts[1])
    return {
        "rss_kib": kib(st["VmRSS"]),
        "hwm_kib": kib(st["VmHWM"]),
        "rss_anon_kib": kib(st["RssAnon"]),
        "rss_file_kib": kib(st["RssFile"]),
        "anonymous_kib": kib(roll["Anonymous"]),
        "pss_kib": kib(roll["Pss"]),
        "private_dirty_kib": kib(roll["Private_Dirty"]),
        "threads": int(st["Threads"]),
        "mappings": {k: dict(v) for k, v in groups.items()},
    }


# ---------------------------------------------------------------------------------------------
# Wake-ups


def thread_switches(pid):
    """{tid: (comm, voluntary, nonvoluntary)} for the live threads."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except FileNotFoundError:
        return out
    for tid in tids:
        try:
            st = read_kv("/proc/%d/task/%s/status" % (pid, tid))
        except (FileNotFoundError, ProcessLookupError):
            continue                                   # exited meanwhile
        out[int(tid)] = (st["Name"], int(st["voluntary_ctxt_switches"]),
                         int(st["nonvoluntary_ctxt_switches"]))
    return out


def process_cpu_ticks(pid):
    """utime+stime of the whole process, dead threads included (clock ticks)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def start_perf(pid, seconds, path):
    if not USE_PERF or not shutil.which("perf"):
        return None, "perf not used"
    for events in ("context-switches,cpu-migrations,task-clock,sched:sched_process_fork",
                   "context-switches,cpu-migrations,task-clock"):
        cmd = ["perf", "stat", "-x", ",", "-o", path, "-e", events, "-p", str(pid),
               "--", "sleep", str(seconds)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)
        if proc.poll() is None:
            return proc, events
        err = proc.stderr.read().strip().splitlines()
        last = err[-1] if err else "exit %d" % proc.returncode
    return None, "perf stat failed: " + last


def read_perf(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                fields = line.strip().split(",")
                if len(fields) >= 3:
                    try:
                        out[fields[2]] = float(fields[0])
                    except ValueError:
                        out[fields[2]] = None        # <not counted> / <not supported>
    except FileNotFoundError:
        pass
    return out


def idle_window(pid, sock, tmp):
    """Samples per-thread switches and WATCHDOG=1 datagrams for IDLE_SECONDS."""
    perf_proc, perf_info = start_perf(pid, IDLE_SECONDS, os.path.join(tmp, "perf.csv"))
    t_start = time.monotonic()
    prev = thread_switches(pid)
    first = dict(prev)
    ticks0 = process_cpu_ticks(pid)
    born, died = [], []
    per_thread = collections.Counter()                 # tid -> switches in the window
    comm = {tid: v[0] for tid, v in prev.items()}
    bursts = []                                        # (t, switches, thread exits) per active sample
    pings, other_msgs = [], []
    sock.setblocking(False)
    next_sample = t_start + SAMPLE_INTERVAL
    end = t_start + IDLE_SECONDS
    while True:
        now = time.monotonic()
        if now >= end:
            break
        sock.settimeout(max(0.0, min(next_sample, end) - now))
        try:
            data = sock.recv(4096).decode(errors="replace")
            t = time.monotonic() - t_start
            if "WATCHDOG=1" in data.split("\n"):
                pings.append(t)
            else:
                other_msgs.append((t, data.strip().replace("\n", " ")))
            continue
        except (socket.timeout, BlockingIOError):
            pass
        next_sample += SAMPLE_INTERVAL
        cur = thread_switches(pid)
        t = time.monotonic() - t_start
        delta = 0
        for tid, (name, vol, inv) in cur.items():
            comm[tid] = name
            if tid in prev:
                d = (vol - prev[tid][1]) + (inv - prev[tid][2])
            else:
                born.append((t, tid, name))
                d = vol + inv
            per_thread[tid] += d
            delta += d
        exits = 0
        for tid in prev:
            if tid not in cur:
                # It woke up to exit; the switches it made since the last sample are lost with it.
                died.append((t, tid, comm.get(tid, "?")))
                exits += 1
        if delta or exits:
            bursts.append((t, delta, exits))
        prev = cur
    ticks1 = process_cpu_ticks(pid)
    perf = {}
    if perf_proc:
        perf_proc.wait(IDLE_SECONDS + 10)
        perf = read_perf(os.path.join(tmp, "perf.csv"))
    return {
        "seconds": IDLE_SECONDS,
        "pings": pings,
        "other_notify": other_msgs,
        "bursts": bursts,
        "threads_at_start": {str(t): v[0] for t, v in first.items()},
        "threads_born": born,
        "threads_died": died,
        "switches_sampled": sum(per_thread.values()),
        "switches_per_thread": {"%d %s" % (t, comm.get(t, "?")): n for t, n in per_thread.items() if n},
        "cpu_ms": (ticks1 - ticks0) * 1000 / os.sysconf("SC_CLK_TCK"),
        "perf_info": perf_info,
        "perf": perf,
    }


def classify_bursts(bursts, pings):
    """Groups sampled activity into wake-ups and explains each by the last watchdog ping."""
    wakeups = []                                   # merge samples closer than 0.3 s
    for t, n, exits in bursts:
        if wakeups and t - wakeups[-1][1] < 0.3:
            wakeups[-1][1] = t
            wakeups[-1][2] += n
            wakeups[-1][3] += exits
        else:
            wakeups.append([t, t, n, exits])
    explained = collections.Counter()
    unexplained = []
    for start, _, n, exits in wakeups:
        # Sampling lags by up to one interval: the ping (received by us) and the switches it
        # caused can land in either order within a sample.
        before = [p for p in pings if p <= start + SAMPLE_INTERVAL + 0.05]
        since = start - before[-1] if before else None
        if since is not None and since <= 1.0:
            explained["ping"] += 1
        elif since is not None and abs(since - DISPATCH_WORKER_TIMEOUT) <= 1.0:
            explained["worker retires"] += 1
        else:
            unexplained.append((round(start, 2), n, exits, None if since is None else round(since, 2)))
    return len(wakeups), explained, unexplained


# ---------------------------------------------------------------------------------------------
# Report


def spread(xs, fmt="%.1f"):
    return (fmt + " (min " + fmt + ", max " + fmt + ")") % (statistics.median(xs), min(xs), max(xs))


def verdict(value, budget):
    ratio = value / budget
    note = "; within 3%: no headroom" if 0.97 <= ratio <= 1.03 else ""
    return "%s, %.2f x budget%s" % ("PASS" if value <= budget else "FAIL", ratio, note)


def report(machine, warm, fresh, idle_mem0, idle_mem1, idle, status_line, tz):
    L = []
    L.append("checkind bench: %s" % BIN)
    L.append("machine: %s" % machine)
    L.append("")
    for label, s in (("existing database", warm), ("fresh database", fresh)):
        L.append("exec -> READY=1, %s, %d runs: median %s ms   [budget %.0f ms: %s]"
                 % (label, len(s["ms"]), spread(s["ms"]), BUDGET_READY_MS,
                    verdict(statistics.median(s["ms"]), BUDGET_READY_MS)))
        L.append("    CPU time per run (start+stop) median %s ms; peak RSS median %.1f MiB;"
                 " SIGTERM lost %d/%d" % (spread(s["cpu_ms"]), statistics.median(s["maxrss_kib"]) / 1024,
                                           s["sigterm_lost"], len(s["ms"])))
    L.append("")
    L.append("idle daemon (TZ=%s): %s" % (tz, status_line))
    for label, m in (("after %.0f s" % SETTLE_SECONDS, idle_mem0), ("after the idle window", idle_mem1)):
        L.append("  %s: RSS %.2f MiB [budget 16 MiB: %s]; anonymous %.2f MiB [budget 3 MiB: %s];"
                 " PSS %.2f MiB; threads %d"
                 % (label, m["rss_kib"] / 1024, verdict(m["rss_kib"], BUDGET_RSS_KIB),
                    m["anonymous_kib"] / 1024, verdict(m["anonymous_kib"], BUDGET_ANON_KIB),
                    m["pss_kib"] / 1024, m["threads"]))
    L.append("  RSS by mapping (KiB; file pages are mostly shared with other Swift processes):")
    L.append("    %-36s %7s %7s %7s %7s" % ("mapping", "Rss", "Pss", "Anon", "Size"))
    maps = sorted(idle_mem1["mappings"].items(), key=lambda kv: -kv[1].get("Rss", 0))
    other = collections.Counter()
    for name, c in maps:
        if c.get("Rss", 0) >= 64:
            L.append("    %-36s %7d %7d %7d %7d" % (name, c.get("Rss", 0), c.get("Pss", 0),
                                                    c.get("Anonymous", 0), c.get("size", 0)))
        else:
            other.update(c)
    L.append("    %-36s %7d %7d %7d %7d" % ("(rest, each < 64 KiB)", other["Rss"], other["Pss"],
                                            other["Anonymous"], other["size"]))
    L.append("")
    n_wake, explained, unexplained = classify_bursts(idle["bursts"], idle["pings"])
    expected_pings = IDLE_SECONDS / (WATCHDOG_USEC / 2e6)
    perf = idle["perf"]
    L.append("idle window %d s: %d watchdog pings (expected %.0f: WATCHDOG_USEC=30 s, ping every 15 s)"
             % (IDLE_SECONDS, len(idle["pings"]), expected_pings))
    if perf.get("context-switches") is not None:
        forks = perf.get("sched:sched_process_fork")
        L.append("  context switches, perf stat (all threads, incl. short-lived): %d"
                 "%s; CPU %.1f ms"
                 % (perf["context-switches"],
                    "" if forks is None else "; threads created: %d" % forks,
                    perf.get("task-clock") or 0))
        if idle["pings"]:
            L.append("    = %.1f switches per watchdog ping" % (perf["context-switches"] / len(idle["pings"])))
    else:
        L.append("  perf: %s" % idle["perf_info"])
    L.append("  context switches, /proc per-thread samples (lower bound): %d; CPU %.0f ms (tick-based)"
             % (idle["switches_sampled"], idle["cpu_ms"]))
    L.append("    per thread: %s" % (", ".join("%s: %d" % kv for kv in sorted(idle["switches_per_thread"].items()))
                                     or "none"))
    L.append("    threads created in the window: %d, exited: %d; threads at start: %s"
             % (len(idle["threads_born"]), len(idle["threads_died"]),
                ", ".join("%s %s" % kv for kv in sorted(idle["threads_at_start"].items()))))
    L.append("  wake-ups (bursts of switches): %d = %d at a watchdog ping + %d worker thread retiring"
             " ~5 s after a ping + %d unexplained"
             % (n_wake, explained["ping"], explained["worker retires"], len(unexplained)))
    if unexplained:
        L.append("    unexplained (t s, switches, thread exits, s since last ping): %s" % unexplained)
    if idle["other_notify"]:
        L.append("    other sd_notify messages: %s" % idle["other_notify"])
    ok = not unexplained and len(idle["pings"]) >= expected_pings - 1
    L.append("  [budget: no wake-ups apart from the watchdog: %s]" % ("PASS" if ok else "FAIL"))
    return "\n".join(L)


def status_series(env):
    """Wall time of `checkin status` runs (fork to exit) against the daemon on env's bus."""
    env = dict(env)
    env.pop("NOTIFY_SOCKET", None)
    env.pop("WATCHDOG_USEC", None)
    times = []
    for i in range(STATUS_RUNS + 3):
        t0 = time.perf_counter()
        r = subprocess.run([CHECKIN, "status"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ms = (time.perf_counter() - t0) * 1000
        if r.returncode != 0 or not r.stdout.startswith(b"checkind is running."):
            raise SystemExit("bench: checkin status failed (%d): %s" % (r.returncode, (r.stdout + r.stderr).decode()))
        if i >= 3:  # the first runs warm the page cache
            times.append(ms)
    return times


def machine_line():
    cpus = os.cpu_count()
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()
    return "%d CPUs (%s), kernel %s, load %.2f %.2f %.2f" % (cpus, model, os.uname().release, *load)


def main():
    if not os.path.exists(BIN):
        raise SystemExit("bench: %s does not exist; build it first (make release)" % BIN)
    tmp = tempfile.mkdtemp(prefix="checkin-bench-")
    children = Children()
    try:
        bus, address = start_bus(tmp, children)
        start_server(address, tmp, children)
        machine = machine_line()

        # Warm-up: page cache, and the database that the "existing database" series reuses.
        sock, path = notify_socket(tmp, "notify-warmup")
        proc = children.add(subprocess.Popen([BIN], env=env_for(tmp, address, path, "data-warm"),
                                             stderr=subprocess.DEVNULL))
        wait_for(sock, "READY=1")
        stop(proc)
        sock.close()
        warm = ready_series(tmp, address, children, "warm", fresh=False)
        fresh = ready_series(tmp, address, children, "fresh", fresh=True)

        tz = quiet_tz()
        mutter = start_mutter(address, children) if USE_IDLE_SOURCE else None
        sock, path = notify_socket(tmp, "notify-idle")
        env = env_for(tmp, address, path, "data-idle", tz=tz)
        env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
        errpath = os.path.join(tmp, "idle.stderr")
        with open(errpath, "w") as err:
            proc = children.add(subprocess.Popen([BIN], env=env, stderr=err))
        ready = wait_for(sock, "READY=1")
        status_line = next((l[len("STATUS="):] for l in ready.split("\n") if l.startswith("STATUS=")), "?")
        activity = "none (BENCH_IDLE_SOURCE=0)"
        if mutter:
            # Give checkind a moment to find the monitor, then report ten minutes without input.
            time.sleep(1.0)
            mutter_command(mutter, {"cmd": "idle", "ms": 600000})
            activity = "scripted Mutter idle monitor, reporting idle since before the window"
        # Let start-up workers retire, but keep reading sd_notify so nothing queues up.
        sock.settimeout(0.2)
        settle_end = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < settle_end:
            try:
                msg = sock.recv(4096).decode(errors="replace")
            except socket.timeout:
                continue
            status_line = next((l[len("STATUS="):] for l in msg.split("\n") if l.startswith("STATUS=")),
                               status_line)
        mem0 = memory(proc.pid)
        idle = idle_window(proc.pid, sock, tmp)
        mem1 = memory(proc.pid)
        if mutter:
            # What the daemon made of it (checked after the window, so it does not wake it up before).
            j_env = dict(env)
            j_env.pop("NOTIFY_SOCKET", None)
            j_env.pop("WATCHDOG_USEC", None)
            r = subprocess.run([CHECKIN, "status", "--json"], env=j_env, stdout=subprocess.PIPE, text=True)
            try:
                j = json.loads(r.stdout)
                activity += "; checkind saw: sources %s, presence %s" % (j.get("activitySources"), j.get("presence"))
            except ValueError:
                activity += "; checkin status --json failed: %r" % r.stdout[:200]
        status_ms = status_series(env)
        clean, _ = stop(proc)
        sock.close()
        if not clean:
            idle["other_notify"].append((None, "idle daemon ignored SIGTERM"))
    finally:
        children.cleanup()
    text = report(machine, warm, fresh, mem0, mem1, idle, status_line, tz)
    text += "\nactivity source during the idle window: %s" % activity
    text += "\ncheckin status against the running daemon, %d runs: median %s ms   [budget %.0f ms: %s]" % (
        len(status_ms), spread(status_ms), BUDGET_STATUS_MS, verdict(statistics.median(status_ms), BUDGET_STATUS_MS))
    print(text)
    d = out_dir()
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "bench.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(d, "bench.json"), "w") as f:
        json.dump({"binary": BIN, "machine": machine, "ready_existing_db": warm, "ready_fresh_db": fresh,
                   "memory_settled": mem0, "memory_end": mem1, "idle": idle, "status": status_line,
                   "tz": tz, "checkin_status_ms": status_ms, "activity": activity}, f, indent=1)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
