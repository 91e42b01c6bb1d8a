#!/usr/bin/python3
"""make bench: measures the release daemon as docs/PERFORMANCE.md describes.

- exec -> READY=1: checkind is started N times with NOTIFY_SOCKET pointing at a datagram socket
  of ours; the time from just before exec to the READY=1 datagram is taken; median and spread.
- idle footprint: one daemon with the default config on a private session bus, with a scripted
  notification server; after it settles, VmRSS and private anonymous memory (smaps_rollup).
- wake-ups: voluntary + involuntary context switches of every thread of the daemon over an idle
  minute (IDLE_SECONDS), with WATCHDOG_USEC set like the unit (30 s, so 2 pings a minute expected).

Prints a table and writes it to .build/bench.txt. Run from the repository root.
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("CHECKIND", os.path.join(ROOT, ".build", "release", "checkind"))
SERVER = os.path.join(ROOT, "Tests", "Fixtures", "notification-server.py")
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
IDLE_SECONDS = int(os.environ.get("IDLE_SECONDS", "60"))


def start_bus(tmp):
    proc = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1",
         "--address=unix:dir=" + tmp],
        stdout=subprocess.PIPE, text=True)
    address = proc.stdout.readline().strip()
    if not address:
        raise SystemExit("bench: dbus-daemon did not start")
    return proc, address


def start_server(address, tmp):
    proc = subprocess.Popen(
        ["/usr/bin/python3", SERVER, "--address", address, "--log", os.path.join(tmp, "server.log")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("READY"):
            return proc
    raise SystemExit("bench: notification server did not start")


def notify_socket(tmp, name):
    path = os.path.join(tmp, name)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    return s, path


def env_for(tmp, address, sock_path, i):
    env = dict(os.environ)
    env.update({
        "DBUS_SESSION_BUS_ADDRESS": address,
        "NOTIFY_SOCKET": sock_path,
        "XDG_CONFIG_HOME": os.path.join(tmp, "config"),   # empty: the built-in default config
        "XDG_DATA_HOME": os.path.join(tmp, "data%d" % i),
        "CHECKIN_LOG": "stderr",
        "TZ": "UTC",
    })
    return env


def wait_for(sock, word, timeout=10.0):
    sock.settimeout(timeout)
    while True:
        data = sock.recv(4096).decode()
        if word in data.split("\n"):
            return data


def ready_times(tmp, address):
    times = []
    for i in range(RUNS):
        sock, path = notify_socket(tmp, "notify%d" % i)
        env = env_for(tmp, address, path, i)
        t0 = time.perf_counter()
        proc = subprocess.Popen([BIN], env=env, stderr=subprocess.DEVNULL)
        wait_for(sock, "READY=1")
        times.append((time.perf_counter() - t0) * 1000)
        proc.terminate()
        proc.wait(10)
        sock.close()
    return times


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def private_anon_kib(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Anonymous:"):
                return int(line.split()[1])
    return -1


def switches(pid):
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        st = proc_status_task(pid, tid)
        total += int(st["voluntary_ctxt_switches"]) + int(st["nonvoluntary_ctxt_switches"])
    return total


def proc_status_task(pid, tid):
    out = {}
    with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def main():
    if not os.path.exists(BIN):
        raise SystemExit("bench: build the release binary first (make release)")
    tmp = tempfile.mkdtemp(prefix="checkin-bench-")
    bus, address = start_bus(tmp)
    server = start_server(address, tmp)
    lines = []
    try:
        times = ready_times(tmp, address)
        med = statistics.median(times)
        lines.append("exec -> READY=1 (%d runs): median %.1f ms, min %.1f, max %.1f  [budget 50 ms]"
                     % (len(times), med, min(times), max(times)))

        sock, path = notify_socket(tmp, "notify-idle")
        env = env_for(tmp, address, path, 999)
        env["WATCHDOG_USEC"] = "30000000"
        proc = subprocess.Popen([BIN], env=env, stderr=subprocess.DEVNULL)
        wait_for(sock, "READY=1")
        time.sleep(3)
        st = proc_status(proc.pid)
        rss = int(st["VmRSS"].split()[0])
        anon = private_anon_kib(proc.pid)
        threads = int(st["Threads"])
        before = switches(proc.pid)
        pings = 0
        sock.settimeout(0.5)
        end = time.time() + IDLE_SECONDS
        while time.time() < end:
            try:
                if b"WATCHDOG=1" in sock.recv(4096):
                    pings += 1
            except socket.timeout:
                pass
        after = switches(proc.pid)
        proc.terminate()
        proc.wait(10)
        lines.append("idle RSS: %.1f MiB  [budget 16 MiB]" % (rss / 1024))
        lines.append("idle private anonymous memory: %.2f MiB  [budget 3 MiB]" % (anon / 1024))
        lines.append("threads: %d" % threads)
        lines.append("context switches over %d idle seconds: %d (watchdog pings seen: %d)"
                     % (IDLE_SECONDS, after - before, pings))
    finally:
        server.terminate()
        bus.terminate()
        server.wait(5)
        bus.wait(5)
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.join(ROOT, ".build"), exist_ok=True)
    with open(os.path.join(ROOT, ".build", "bench.txt"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
