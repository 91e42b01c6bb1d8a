#!/usr/bin/env bash
# e2e.sh: the end-to-end test. The installed checkind under a real `systemd --user` manager, with a
# real systemd-journald and a private session bus (scripts/systemd-user-env.sh), and the scripted
# notification server (Tests/Fixtures/notification-server.py):
#
#   make install into a temp prefix -> systemd-analyze verify -> start (READY, STATUS, checkin status)
#   -> Trigger a check-in over D-Bus, answer it and its follow-up through the server -> history
#   -> reload with a broken config (refused through Reload(), same process) and a fixed one
#   -> checkin pause 1h (status --json, STATUS=) -> journal fields -> stop (exit 0, notifications
#   closed) -> D-Bus activation: a Status() call starts checkind.service again (the pause survived)
#   -> start with a broken config (exit 78, no restart loop).
#
# Run by `make test` after `swift test`. Output: one "ok - <check>" / "not ok - <check>: <detail>"
# line per check, then exactly one "e2e: N passed, M failed" line; exit status 1 if any failed.
# On failure the unit's journal and the notification server's log are printed (lines with "# ").
#
# Environment:
#   BUILD_DIR=.build/debug   the swift build whose binaries are installed (<scratch-path>/<configuration>;
#                            `make install` runs `swift build -c <configuration> --scratch-path <scratch-path>`,
#                            a no-op when that build is up to date)
#   CI=true                  must run (as root, PID 1 not systemd); nothing is skipped
#   E2E_FORCE=1              run even where the checks below would refuse (the library still refuses
#                            without root or with systemd as PID 1)
#   E2E_WAIT=15              seconds each poll waits before a check fails
#   E2E_BUDGET=180           seconds for everything after the install; then waits stop waiting
#   E2E_BUILD_TIMEOUT=1800   seconds for `make install` (its build)
#   E2E_KEEP=1               keep the temp directory (install prefix, logs) for a post-mortem
#
# Needs root and no systemd as PID 1: it creates /run/systemd/system and starts its own journald and
# user manager (see the gotchas in scripts/systemd-user-env.sh). Not root and not CI: skipped
# (exit 0). Every process it starts is recorded and stopped by PID, also on failure or Ctrl-C.
# A passing run takes about 10 s (6 of them wait out RestartSec to see that no restart happens).
#
# Checks are functions called through `check`; polled conditions are eval'd single-quoted strings.
# shellcheck disable=SC2317,SC2016,SC2119
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
BUILD_DIR=${BUILD_DIR:-.build/debug}
E2E_WAIT=${E2E_WAIT:-15}
PY=/usr/bin/python3
UNIT=checkind.service
STARTED=$SECONDS

# --- Where it may run ----------------------------------------------------------------------------
pid1_is_systemd() {
    local exe comm
    exe=$(readlink /proc/1/exe 2>/dev/null) || exe=
    comm=$(cat /proc/1/comm 2>/dev/null) || comm=
    [[ $exe == */systemd || $comm == systemd ]]
}
if [[ ${CI:-} != true && ${E2E_FORCE:-} != 1 ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "e2e: skipped: needs root (it starts its own systemd-journald and systemd --user);" \
            "runs in CI (CI=true) or as root on a test machine"
        exit 0
    fi
    if pid1_is_systemd; then
        echo "e2e: refusing to run: PID 1 is systemd. This test starts its own journald and user manager" \
            "and is meant for test VMs/containers without systemd (E2E_FORCE=1 overrides this check)." >&2
        exit 1
    fi
fi

# --- Results -------------------------------------------------------------------------------------
PASS=0 FAIL=0 DETAIL=
ok() { PASS=$((PASS + 1)); printf 'ok - %s\n' "$1"; }
not_ok() { FAIL=$((FAIL + 1)); printf 'not ok - %s: %s\n' "$1" "${2//$'\n'/ | }"; }
# check <name> <command...>: the command sets DETAIL to say what went wrong.
check() {
    local name=$1; shift
    DETAIL=
    if "$@"; then ok "$name"; else not_ok "$name" "${DETAIL:-failed}"; return 1; fi
}
# The whole run after the install gets E2E_BUDGET seconds: once they are used up, waits stop
# waiting, so even a daemon that answers nothing fails the run in bounded time.
BUDGET_END=$((SECONDS + ${E2E_BUDGET:-180}))
# wait_deadline <seconds>: SECONDS value to wait until (capped by the budget).
wait_deadline() { local d=$((SECONDS + $1)); echo $((d < BUDGET_END ? d : BUDGET_END)); }
# poll <seconds> <command...>: run the command every 0.1 s until it succeeds or time is up.
poll() {
    local deadline
    deadline=$(wait_deadline "$1"); shift
    until "$@"; do
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
}

# --- Set-up and tear-down ------------------------------------------------------------------------
# D-Bus activation through the user manager (gotcha 16 there): the activation file is installed
# into $E2E_DBUS_SERVICE_DIR.
E2E_DBUS_ACTIVATION=1
# shellcheck source=scripts/systemd-user-env.sh
source "$ROOT/scripts/systemd-user-env.sh"

T='' SERVER_PID='' SERVER_FD='' MUTTER_PID='' MUTTER_FD='' TORN_DOWN=0

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    if [[ -n $SERVER_FD ]]; then
        { printf '%s\n' '{"cmd":"quit"}' >&"$SERVER_FD"; } 2>/dev/null || true
        exec {SERVER_FD}>&-   # the last writer: the server also sees EOF
        SERVER_FD=
    fi
    if ! poll 5 eval "! kill -0 $SERVER_PID 2>/dev/null"; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        poll 5 eval "! kill -0 $SERVER_PID 2>/dev/null" || kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true  # our child: reaped here, so its PID was never reused
    SERVER_PID=
}

# The scripted Mutter idle monitor (Tests/Fixtures/activity_services.py), if running.
stop_mutter() {
    [[ -n $MUTTER_PID ]] || return 0
    if [[ -n $MUTTER_FD ]]; then
        { printf '%s\n' '{"cmd":"quit"}' >&"$MUTTER_FD"; } 2>/dev/null || true
        exec {MUTTER_FD}>&-
        MUTTER_FD=
    fi
    if ! poll 5 eval "! kill -0 $MUTTER_PID 2>/dev/null"; then
        kill -TERM "$MUTTER_PID" 2>/dev/null || true
        poll 5 eval "! kill -0 $MUTTER_PID 2>/dev/null" || kill -KILL "$MUTTER_PID" 2>/dev/null || true
    fi
    wait "$MUTTER_PID" 2>/dev/null || true
    MUTTER_PID=
}

teardown() {
    ((TORN_DOWN)) && return 0
    TORN_DOWN=1
    stop_mutter
    stop_server
    e2e_stop
    if [[ -n $T && -d $T ]]; then
        if [[ ${E2E_KEEP:-} == 1 ]]; then echo "# kept $T"; else rm -rf -- "$T"; fi
    fi
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

summary() {
    echo "# took $((SECONDS - STARTED)) s"
    echo "e2e: $PASS passed, $FAIL failed"
    ((FAIL == 0))
    exit
}

# finish: on failure the post-mortem (journal, server log, unit status), then the tear-down, a check
# that every process is gone, and the summary line. Also called when a check the rest depends on
# failed.
finish() {
    if ((FAIL > 0)); then
        echo "# ---- journal of $UNIT (this run) ----"
        e2e_journal --user-unit "$UNIT" >"$T/journal.json" 2>/dev/null
        pyj pretty "$T/journal.json"
        echo "# ---- notification server: calls ----"
        sed 's/^/# /' "$NOTIFY_LOG"
        echo "# ---- notification server: stdout, stderr ----"
        sed 's/^/# /' "$T/server.out" "$T/server.err" 2>/dev/null
        echo "# ---- systemctl --user status $UNIT ----"
        e2e_systemctl status "$UNIT" 2>&1 | sed 's/^/# /'
        echo "# ---- make install ----"
        tail -n 20 "$T/install.log" 2>/dev/null | sed 's/^/# /'
    fi
    teardown
    check "tear-down: every process it started is gone" all_gone
    summary
}

all_gone() {
    local pid left=
    for pid in $MANAGER_PID $DBUS_PID $JOURNALD_PID ${MAINPID:-}; do
        [[ $pid =~ ^[1-9][0-9]*$ ]] || continue
        kill -0 "$pid" 2>/dev/null && left+="$pid($(cat /proc/"$pid"/comm 2>/dev/null)) "
    done
    [[ -z $left ]] || { DETAIL="still running: $left"; return 1; }
    left=$(compgen -G "/sys/fs/cgroup/*checkin_e2e_$$.slice"; compgen -G "/sys/fs/cgroup/*/checkin_e2e_$$.slice")
    [[ -z $left ]] || { DETAIL="cgroups left behind: $left"; return 1; }
}

# Runs a command with the caller's XDG_* and session bus (not the test's), e.g. swift build.
with_caller_env() {
    (
        for v in XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME DBUS_SESSION_BUS_ADDRESS; do
            saved=E2E_SAVED_$v
            if [[ -n ${!saved-} ]]; then export "$v=${!saved}"; else unset "$v"; fi
        done
        exec "$@"
    )
}

for tool in "$PY" make mkfifo busctl systemd-analyze timeout; do
    command -v "$tool" >/dev/null || { not_ok "tools" "missing $tool (make test-deps installs the test dependencies)"; summary; }
done

if ! e2e_start; then
    not_ok "start systemd-journald, a session bus and systemd --user" "see the e2e: lines above"
    summary
fi
ok "start systemd-journald, a session bus and systemd --user"
MANAGER_PID=$E2E_MANAGER_PID DBUS_PID=$E2E_DBUS_PID JOURNALD_PID=${E2E_JOURNALD_PID:-}

T=$(mktemp -d /tmp/checkin-e2e-t.XXXXXX) || { not_ok "temp dir" "mktemp failed"; summary; }
PREFIX=$T/prefix
CONFIG_DIR=$XDG_CONFIG_HOME/checkin
CONFIG=$CONFIG_DIR/config.json
NOTIFY_LOG=$T/notify.log
CHECKIN=$PREFIX/bin/checkin
mkdir -p "$CONFIG_DIR"
: >"$NOTIFY_LOG"

# JSON helpers (jq may not be installed): journal entries, the server's log, checkin's output.
cat >"$T/e2e_checks.py" <<'PYEOF'
import json, re, sys

def lines(path):
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out

def values(entry, key):
    """A journal field's values as strings (fields may repeat; binary ones are byte arrays)."""
    v = entry.get(key)
    if v is None:
        return []
    if isinstance(v, list):
        if v and all(isinstance(x, int) for x in v):
            return [bytes(v).decode("utf-8", "replace")]
        return [bytes(x).decode("utf-8", "replace") if isinstance(x, list) else str(x) for x in v]
    return [str(v)]

def matches(entry, cond):
    """KEY=VALUE (equal), KEY~TEXT (contains), KEY? (present), KEY! (absent)."""
    m = re.match(r"([A-Za-z0-9_]+)([=~?!])(.*)$", cond, re.S)
    key, op, want = m.groups()
    vs = values(entry, key)
    if op == "?": return bool(vs)
    if op == "!": return not vs
    if op == "=": return want in vs
    return any(want in v for v in vs)

def short(e):
    keys = ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "_COMM", "_TRANSPORT"] + sorted(k for k in e if k.startswith("CHECKIN_"))
    return " ".join("%s=%s" % (k, "|".join(values(e, k))) for k in keys if k in e)

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "any":            # any FILE COND...: an entry matching every COND exists (printed)
    for e in lines(args[0]):
        if all(matches(e, c) for c in args[1:]):
            print(short(e)); sys.exit(0)
    sys.exit(1)
elif cmd == "all":          # all FILE FILTER... -- COND...: some entries match FILTER, and all of those match COND
    i = args.index("--")
    picked = [e for e in lines(args[0]) if all(matches(e, c) for c in args[1:i])]
    if not picked:
        print("no entries match " + " ".join(args[1:i])); sys.exit(1)
    bad = [e for e in picked if not all(matches(e, c) for c in args[i + 1:])]
    if bad:
        print("%d of %d entries lack %s, e.g. %s" % (len(bad), len(picked), " ".join(args[i + 1:]), short(bad[0]))); sys.exit(1)
    print("%d entries" % len(picked))
elif cmd == "field":        # field FILE KEY COND...: KEY of the last entry matching every COND
    found = [e for e in lines(args[0]) if all(matches(e, c) for c in args[2:])]
    if not found or args[1] not in found[-1]: sys.exit(1)
    print(found[-1][args[1]])
elif cmd == "history":      # history FILE PROMPT_ID MOOD ANXIETY: `checkin history --json` shows the answer
    doc = json.load(open(args[0]))
    pid, mood, anxiety = args[1], int(args[2]), int(args[3])
    entries = [e for e in doc["entries"] if e.get("prompt") == pid]
    prompts = [p for p in doc["prompts"] if p.get("id") == pid]
    problems = []
    if len(entries) != 1:
        problems.append("%d entries for prompt %s" % (len(entries), pid))
    elif (entries[0].get("mood"), entries[0].get("anxiety"), entries[0].get("source")) != (mood, anxiety, "notification"):
        problems.append("entry %s" % json.dumps(entries[0]))
    if len(prompts) != 1:
        problems.append("%d prompts with id %s" % (len(prompts), pid))
    elif (prompts[0].get("state"), prompts[0].get("reminder"), prompts[0].get("action")) != ("answered", "mood", str(mood)):
        problems.append("prompt %s" % json.dumps(prompts[0]))
    if problems:
        print("; ".join(problems)); sys.exit(1)
elif cmd == "pretty":       # pretty FILE: journal JSON lines, readable
    for e in lines(args[0]):
        print("# %s" % short(e).replace("\n", "\n#     "))
PYEOF
pyj() { timeout 30 "$PY" "$T/e2e_checks.py" "$@"; }

prop() { e2e_systemctl show -p "$1" --value "$UNIT" 2>/dev/null; }
journal_file() { e2e_journal --user-unit "$UNIT" >"$T/journal.json" 2>/dev/null; }
# journal_has <COND...>: poll until this run's checkind journal has a matching entry.
journal_has() {
    local deadline
    deadline=$(wait_deadline "$E2E_WAIT")
    while :; do
        journal_file
        DETAIL=$(pyj any "$T/journal.json" "$@") && return 0
        if ((SECONDS >= deadline)); then
            DETAIL="no journal entry with $*"
            return 1
        fi
        sleep 0.2
    done
}

# --- 1. install ----------------------------------------------------------------------------------
SCRATCH=$(dirname "$BUILD_DIR") CONFIGURATION=$(basename "$BUILD_DIR")
install_unit() {
    if ! with_caller_env timeout "${E2E_BUILD_TIMEOUT:-1800}" make --no-print-directory -C "$ROOT" install \
        DESTDIR= PREFIX="$PREFIX" USERUNITDIR="$E2E_UNIT_DIR" DBUSSERVICEDIR="$E2E_DBUS_SERVICE_DIR" \
        CONFIGURATION="$CONFIGURATION" SCRATCH_PATH="$SCRATCH" >"$T/install.log" 2>&1; then
        DETAIL="make install failed: $(tail -n 5 "$T/install.log")"
        return 1
    fi
    [[ -x $PREFIX/bin/checkind && -x $PREFIX/bin/checkin && -f $E2E_UNIT_DIR/$UNIT ]] ||
        { DETAIL="missing files: $(find "$PREFIX" "$E2E_UNIT_DIR" -maxdepth 3 | tr '\n' ' ')"; return 1; }
    cmp -s "$BUILD_DIR/checkind" "$PREFIX/bin/checkind" || { DETAIL="installed checkind is not $BUILD_DIR/checkind"; return 1; }
}
check "make install CONFIGURATION=$CONFIGURATION PREFIX=<tmp> USERUNITDIR=<manager's unit dir>" install_unit || finish

installed_docs() {
    local f
    for f in man/man1/checkin.1 man/man5/checkin.json.5 man/man8/checkind.8 bash-completion/completions/checkin \
        zsh/site-functions/_checkin fish/vendor_completions.d/checkin.fish; do
        [[ -f $PREFIX/share/$f ]] || { DETAIL="make install did not install share/$f"; return 1; }
    done
    # The manual pages render, and bash completes a subcommand with the installed script.
    local page
    page=$(MANWIDTH=80 man -l "$PREFIX/share/man/man5/checkin.json.5" 2>&1) || { DETAIL="man -l checkin.json.5: $page"; return 1; }
    [[ $page == *catchUp* ]] || { DETAIL="checkin.json(5) lacks catchUp: ${page:0:200}"; return 1; }
    local words
    words=$(bash -c 'source "$1"; COMP_WORDS=(checkin pau); COMP_CWORD=1; COMP_LINE="checkin pau"; COMP_POINT=11; _checkin; printf "%s\n" "${COMPREPLY[@]}"' \
        bash "$PREFIX/share/bash-completion/completions/checkin" 2>&1)
    grep -qx pause <<<"$words" || { DETAIL="bash completion of 'checkin pau' gave: $words"; return 1; }
}
check "make install: checkin(1), checkin.json(5), checkind(8), bash/zsh/fish completions" installed_docs

ACTIVATION_FILE=$E2E_DBUS_SERVICE_DIR/io.checkin.Checkin1.service
activation_file() {
    [[ -f $ACTIVATION_FILE ]] || { DETAIL="make install did not install $ACTIVATION_FILE"; return 1; }
    local exec service
    exec=$(sed -n 's/^Exec=//p' "$ACTIVATION_FILE") service=$(sed -n 's/^SystemdService=//p' "$ACTIVATION_FILE")
    [[ $exec == "$PREFIX/bin/checkind" && $service == "$UNIT" ]] ||
        { DETAIL="Exec=$exec SystemdService=$service, expected $PREFIX/bin/checkind and $UNIT"; return 1; }
    # dbus-daemon reads service directories again on ReloadConfig.
    timeout 10 busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null 2>&1 ||
        { DETAIL="ReloadConfig failed"; return 1; }
}
check "D-Bus activation file: Name=io.checkin.Checkin1, SystemdService=$UNIT" activation_file
BUDGET_END=$((SECONDS + ${E2E_BUDGET:-180}))

unit_points_at_binary() {
    local exec
    exec=$(sed -n 's/^ExecStart=//p' "$E2E_UNIT_DIR/$UNIT")
    [[ $exec == "$PREFIX/bin/checkind" ]] || { DETAIL="ExecStart=$exec, expected $PREFIX/bin/checkind"; return 1; }
    grep -q '@[A-Z]*@' "$E2E_UNIT_DIR/$UNIT" && { DETAIL="unsubstituted: $(grep '@[A-Z]*@' "$E2E_UNIT_DIR/$UNIT")"; return 1; }
    local v
    v=$(timeout 10 "$PREFIX/bin/checkind" --version 2>&1) || { DETAIL="checkind --version: $v"; return 1; }
    return 0
}
check "installed unit: ExecStart is the installed checkind" unit_points_at_binary || finish

# --- 2. systemd-analyze verify -------------------------------------------------------------------
verify_unit() {
    local out
    out=$(timeout 60 systemd-analyze --user verify --man=no "$E2E_UNIT_DIR/$UNIT" 2>&1)
    local rc=$?
    [[ $rc -eq 0 && -z $out ]] || { DETAIL="exit $rc: $out"; return 1; }
}
check "systemd-analyze --user verify: no warnings" verify_unit

# After the verify, a test-only drop-in records how the main process ended: once the unit is
# inactive the manager garbage-collects it, and `show` then reports ExecMainCode=0 ExecMainStatus=0
# whatever happened. $EXIT_CODE/$EXIT_STATUS/$SERVICE_RESULT are what ExecStopPost= is given.
mkdir -p "$E2E_UNIT_DIR/$UNIT.d"
cat >"$E2E_UNIT_DIR/$UNIT.d/e2e-exit-status.conf" <<EOF
[Service]
ExecStopPost=/bin/sh -c 'echo "\$\$EXIT_CODE \$\$EXIT_STATUS \$\$SERVICE_RESULT" >>"$T/exit-status"'
EOF

# --- 3. the notification server ------------------------------------------------------------------
start_server() {
    mkfifo "$T/server.in" || { DETAIL="mkfifo failed"; return 1; }
    # Read-write: opening does not block, and writes never raise SIGPIPE if the server is gone.
    exec {SERVER_FD}<>"$T/server.in"
    # A simple command: $! is the python3 process itself. It must not inherit our write end.
    "$PY" "$ROOT/Tests/Fixtures/notification-server.py" --address "$DBUS_SESSION_BUS_ADDRESS" --log "$NOTIFY_LOG" \
        <"$T/server.in" >"$T/server.out" 2>"$T/server.err" {SERVER_FD}>&- &
    SERVER_PID=$!
    poll "$E2E_WAIT" eval 'grep -q "^READY " "$T/server.out" || ! kill -0 $SERVER_PID 2>/dev/null'
    grep -q "^READY " "$T/server.out" ||
        { DETAIL="no READY: $(tail -n 5 "$T/server.err")"; return 1; }
}
check "notification server on the private bus" start_server || finish

# server_cmd <json>: send a command and wait for its acknowledgement (the n-th "OK ..." line).
SERVER_CMDS=0
server_cmd() {
    SERVER_CMDS=$((SERVER_CMDS + 1))
    printf '%s\n' "$1" >&"$SERVER_FD"
    poll "$E2E_WAIT" eval '[[ $(grep -c "^OK \|^ERROR " "$T/server.out") -ge SERVER_CMDS ]]' ||
        { DETAIL="server did not acknowledge $1"; return 1; }
    grep -q "^ERROR " "$T/server.out" && { DETAIL="server: $(grep "^ERROR " "$T/server.out")"; return 1; }
    return 0
}
# notify_id <summary>: id of the newest Notify with that summary (polls).
notify_id() {
    # shellcheck disable=SC2034 # (used in the eval'd string: poll's $1 is not ours)
    local id='' wanted=$1
    poll "$E2E_WAIT" eval 'id=$(pyj field "$NOTIFY_LOG" id method=Notify "summary=$wanted")' || return 1
    printf '%s\n' "$id"
}

# --- 4. config, start ----------------------------------------------------------------------------
# Times far from now (in the daemon's zone, which is ours), so the schedule never fires during the
# test and the only prompts are the ones it triggers.
H=$((10#$(date +%H))) M=$(date +%M)
hm() { printf '%02d:%s' $(((H + $1) % 24)) "$M"; }
B1=$(((H + 3) % 24))
if ((B1 == 23)); then BETWEEN="23:00-24:00"; else BETWEEN=$(printf '%02d:00-%02d:00' "$B1" $((B1 + 1))); fi
write_config() {  # write_config <second mood time>
    cat >"$CONFIG.tmp" <<EOF
{
  "version": 1,
  "reminders": [
    {"id": "mood", "type": "mood", "at": ["$(hm 6)", "$1"]},
    {"id": "break", "type": "break", "every": "30m", "between": "$BETWEEN"}
  ]
}
EOF
    mv "$CONFIG.tmp" "$CONFIG"
}
write_config "$(hm 12)"
cp "$CONFIG" "$T/config.valid.json"

check "config is valid (checkin config check)" eval \
    'out=$(timeout 20 "$CHECKIN" config check 2>&1) || DETAIL="$out"; [[ -z $DETAIL ]]'

start_unit() {
    e2e_systemctl daemon-reload || { DETAIL="daemon-reload failed"; return 1; }
    local frag out
    frag=$(prop FragmentPath)
    [[ $frag == "$E2E_UNIT_DIR/$UNIT" ]] || { DETAIL="FragmentPath=$frag"; return 1; }
    out=$(e2e_systemctl start "$UNIT" 2>&1) || { DETAIL="systemctl start: $out"; return 1; }
}
check "systemctl --user start checkind" start_unit || finish

MAINPID=$(prop MainPID)
state_is() {  # state_is <ActiveState> <SubState>
    local a s
    a=$(prop ActiveState) s=$(prop SubState)
    [[ $a == "$1" && $s == "$2" ]] || { DETAIL="ActiveState=$a SubState=$s, expected $1/$2"; return 1; }
}
check "running: ActiveState=active SubState=running" state_is active running
status_text() {  # status_text <glob> [<glob it must not match>]: poll until StatusText matches
    local s='' want=$1 unwanted=${2:-}
    poll "$E2E_WAIT" eval 's=$(prop StatusText); [[ $s == $want && ( -z $unwanted || $s != $unwanted ) ]]' && return 0
    DETAIL="StatusText='$s', expected $want${unwanted:+ and not $unwanted}"
    return 1
}
check "STATUS starts with 'Next: '" status_text 'Next: *'
check "STATUS: notification server found (no 'waiting for a notification server')" \
    status_text 'Next: *; 0 check-in*' '*waiting for a notification server*'
cli_status() {
    local out rc
    out=$(timeout 20 "$CHECKIN" status 2>&1); rc=$?
    [[ $rc -eq 0 && ${out%%$'\n'*} == "checkind is running." ]] || { DETAIL="exit $rc: $out"; return 1; }
    [[ -z ${1:-} || $out == *"$1"* ]] || { DETAIL="no '$1' in: $out"; return 1; }
}
check "checkin status: running" cli_status
check "checkin status: no activity or do-not-disturb source in this session" cli_status $'Activity: no source\n  Do not disturb: no source'

# --- 4b. an activity source appears, reports idle, and goes away ---------------------------------
start_mutter() {
    mkfifo "$T/mutter.in" || { DETAIL="mkfifo failed"; return 1; }
    exec {MUTTER_FD}<>"$T/mutter.in"
    "$PY" "$ROOT/Tests/Fixtures/activity_services.py" --address "$DBUS_SESSION_BUS_ADDRESS" --role mutter \
        <"$T/mutter.in" >"$T/mutter.out" 2>"$T/mutter.err" {MUTTER_FD}>&- &
    MUTTER_PID=$!
    poll "$E2E_WAIT" eval 'grep -q "^READY " "$T/mutter.out" || ! kill -0 $MUTTER_PID 2>/dev/null'
    grep -q "^READY " "$T/mutter.out" || { DETAIL="no READY: $(tail -n 5 "$T/mutter.err")"; return 1; }
    poll "$E2E_WAIT" eval '[[ $(timeout 20 "$CHECKIN" status 2>&1) == *"Activity: mutter-idle-monitor (active)"* ]]' ||
        { DETAIL="checkin status: $(timeout 20 "$CHECKIN" status 2>&1)"; return 1; }
}
check "a Mutter idle monitor appears: checkin status says 'Activity: mutter-idle-monitor (active)'" start_mutter
mutter_idle() {
    printf '%s\n' '{"cmd":"idle","ms":10000}' >&"$MUTTER_FD"
    poll "$E2E_WAIT" eval '[[ $(timeout 20 "$CHECKIN" status --json 2>&1) == *"\"activitySources\":[\"mutter-idle-monitor\"],\"presence\":\"idle\""* ]]' ||
        { DETAIL="checkin status --json: $(timeout 20 "$CHECKIN" status --json 2>&1)"; return 1; }
}
check "Mutter reports idle: checkin status --json says presence idle" mutter_idle
mutter_gone() {
    stop_mutter
    poll "$E2E_WAIT" eval '[[ $(timeout 20 "$CHECKIN" status 2>&1) == *"Activity: no source"* ]]' ||
        { DETAIL="checkin status: $(timeout 20 "$CHECKIN" status 2>&1)"; return 1; }
}
check "Mutter goes away: 'Activity: no source' again, checkind still running" mutter_gone
check "still running after the source went away" state_is active running

# --- 5. a check-in, answered through the notification server -------------------------------------
PROMPT=
trigger_mood() {
    local out
    out=$(timeout 20 busctl --user --timeout=10 call io.checkin.Checkin1 /io/checkin/Checkin1 io.checkin.Checkin1 \
        Trigger s mood 2>&1) || { DETAIL="busctl: $out"; return 1; }
    PROMPT=$(sed -n 's/^s "\(.*\)"$/\1/p' <<<"$out")
    [[ -n $PROMPT ]] || { DETAIL="unexpected reply: $out"; return 1; }
}
check "Trigger(mood) over D-Bus returns a prompt id" trigger_mood

N1='' N2=''
mood_shown() {
    N1=$(notify_id "How are you feeling?") || { DETAIL="no Notify 'How are you feeling?' in $(cat "$NOTIFY_LOG")"; return 1; }
}
check "the mood question is shown" mood_shown
answer() {  # answer <id> <action>
    server_cmd "{\"cmd\":\"action\",\"id\":$1,\"action\":\"$2\"}"
}
check "answer mood 4" answer "${N1:-0}" 4
followup_shown() {
    N2=$(notify_id "How anxious do you feel?") || { DETAIL="no follow-up Notify; server log: $(cat "$NOTIFY_LOG")"; return 1; }
}
check "the follow-up question is shown" followup_shown
check "answer anxiety 2" answer "${N2:-0}" 2

history_has_answer() {
    local deadline
    deadline=$(wait_deadline "$E2E_WAIT")
    while :; do
        if timeout 20 "$CHECKIN" history --json >"$T/history.json" 2>"$T/history.err" &&
            DETAIL=$(pyj history "$T/history.json" "$PROMPT" 4 2); then
            return 0
        fi
        ((SECONDS >= deadline)) && { DETAIL="${DETAIL:-$(cat "$T/history.err")}"; return 1; }
        sleep 0.1
    done
}
check "checkin history --json: mood 4, anxiety 2, source notification, prompt answered" history_has_answer
check "STATUS counts the check-in" status_text 'Next: *; 1 check-in*'

# --- 6. reload: a broken config is refused, a fixed one applied ---------------------------------
reload_broken() {
    write_config "25:00"
    # ExecReload calls Reload() on the bus: systemctl waits for it and reports the refusal.
    if e2e_systemctl reload "$UNIT" >"$T/reload.out" 2>&1; then
        DETAIL="systemctl reload succeeded with a broken config"; return 1
    fi
    status_text '*config error*'
}
check "reload with a broken config fails systemctl reload; STATUS says 'config error'" reload_broken
same_process() {
    state_is active running || return 1
    local pid
    pid=$(prop MainPID)
    [[ $pid == "$MAINPID" ]] || { DETAIL="MainPID $MAINPID -> $pid"; return 1; }
}
check "still active, same MainPID" same_process
check "checkin status still answers (and shows the refused reload)" cli_status "Reload refused:"
reload_fixed() {
    cp "$T/config.valid.json" "$CONFIG"
    e2e_systemctl reload "$UNIT" >/dev/null 2>&1 || { DETAIL="systemctl reload failed"; return 1; }
    status_text 'Next: *' '*config error*'
}
check "reload with a fixed config: no 'config error'" reload_fixed
check "still active, same MainPID after the reloads" same_process
# ExecReload= is busctl calling Reload(): the refusal came back as io.checkin.Error.InvalidConfig,
# which busctl printed (to the unit's journal) with the daemon's message.
check "journal: the refused reload came back from Reload() over D-Bus (busctl: Call failed: <config errors>)" \
    journal_has _COMM=busctl "MESSAGE~Call failed: $CONFIG:" 'MESSAGE~"25:00" is not a time of day'

# --- 6b. pause ------------------------------------------------------------------------------------
pause_1h() {
    local out rc
    out=$(timeout 20 "$CHECKIN" pause 1h 2>&1); rc=$?
    [[ $rc -eq 0 && $out == "Paused until "*" (in 1h 0m)." ]] || { DETAIL="exit $rc: $out"; return 1; }
}
check "checkin pause 1h" pause_1h
status_json_paused() {  # status_json_paused true|false
    local out rc
    out=$(timeout 20 "$CHECKIN" status --json 2>&1); rc=$?
    if [[ $1 == true ]]; then
        [[ $rc -eq 0 && $out == *'"paused":true,"pausedUntil":"'* ]] || { DETAIL="exit $rc: $out"; return 1; }
    else
        [[ $rc -eq 0 && $out == *'"paused":false,"pausedUntil":null,'* ]] || { DETAIL="exit $rc: $out"; return 1; }
        # No activity or do-not-disturb service in this session: none in use, and the person counts as active.
        [[ $out == *'"activitySources":[],"presence":"active","doNotDisturbSources":[],"doNotDisturb":false}' ]] \
            || { DETAIL="activity fields: $out"; return 1; }
    fi
}
check "checkin status --json: paused, with pausedUntil" status_json_paused true
check "STATUS starts with 'Paused until '" status_text 'Paused until *; *'

# --- 7. the journal ------------------------------------------------------------------------------
check "journal: started (MESSAGE_ID …a001)" journal_has CHECKIN_EVENT=started MESSAGE_ID=6a1c0b1e4f3d4b0c9f2a7c55d0e1a001 \
    SYSLOG_IDENTIFIER=checkind "_PID=$MAINPID"
check "journal: delivered (reminder, prompt id, notification id)" journal_has CHECKIN_EVENT=delivered CHECKIN_REMINDER=mood \
    "CHECKIN_PROMPT_ID=$PROMPT" "CHECKIN_NOTIFICATION_ID=$N1" MESSAGE_ID=6a1c0b1e4f3d4b0c9f2a7c55d0e1a002
check "journal: answered (mood 4)" journal_has CHECKIN_EVENT=answered CHECKIN_REMINDER=mood "CHECKIN_PROMPT_ID=$PROMPT" \
    CHECKIN_MOOD=4 CHECKIN_ACTION=4 MESSAGE_ID=6a1c0b1e4f3d4b0c9f2a7c55d0e1a003
check "journal: follow-up-answered (anxiety 2)" journal_has CHECKIN_EVENT=follow-up-answered "CHECKIN_PROMPT_ID=$PROMPT" \
    CHECKIN_ANXIETY=2
check "journal: reload-failed at PRIORITY 3 naming the config file" journal_has CHECKIN_EVENT=reload-failed PRIORITY=3 \
    "MESSAGE~$CONFIG" "MESSAGE~reminders[0].at[1]" MESSAGE_ID=6a1c0b1e4f3d4b0c9f2a7c55d0e1a005
check "journal: reloaded" journal_has CHECKIN_EVENT=reloaded "MESSAGE~$CONFIG"
native_fields() {
    journal_file
    DETAIL=$(pyj all "$T/journal.json" _COMM=checkind _TRANSPORT=journal -- CODE_FILE? CODE_LINE? CODE_FUNC? \
        SYSLOG_IDENTIFIER=checkind PRIORITY?)
}
check "journal: checkind's entries are native, with CODE_FILE and SYSLOG_IDENTIFIER=checkind" native_fields
no_stderr_lines() {
    journal_file
    if DETAIL=$(pyj any "$T/journal.json" _COMM=checkind _TRANSPORT=stdout); then
        DETAIL="checkind wrote to stderr instead of the journal: $DETAIL"
        return 1
    fi
    DETAIL=
}
check "journal: no plain stderr lines from checkind (JOURNAL_STREAM matched)" no_stderr_lines

# --- 8. stop -------------------------------------------------------------------------------------
NB=
break_shown() {
    timeout 20 busctl --user --timeout=10 call io.checkin.Checkin1 /io/checkin/Checkin1 io.checkin.Checkin1 \
        Trigger s break >/dev/null 2>&1 || { DETAIL="Trigger break failed"; return 1; }
    NB=$(notify_id "Time for a break") || { DETAIL="no Notify 'Time for a break'"; return 1; }
}
check "a break reminder is shown (left open for the stop)" break_shown
stop_unit() {
    local out
    out=$(e2e_systemctl stop "$UNIT" 2>&1) || { DETAIL="systemctl stop: $out"; return 1; }
    local a r
    a=$(prop ActiveState) r=$(prop Result)
    [[ $a == inactive && $r == success ]] || { DETAIL="ActiveState=$a Result=$r, expected inactive/success"; return 1; }
    # "exited 0", not "killed TERM" (which systemd also counts as success).
    out=$(tail -n 1 "$T/exit-status" 2>/dev/null)
    [[ $out == "exited 0 success" ]] ||
        { DETAIL="ExecStopPost saw EXIT_CODE EXIT_STATUS SERVICE_RESULT='$out', expected 'exited 0 success'"; return 1; }
}
check "stop: exits 0 on SIGTERM (Result=success, exit status 0)" stop_unit
break_closed() {
    [[ -n $NB ]] || { DETAIL="no break notification to close"; return 1; }
    pyj any "$NOTIFY_LOG" method=CloseNotification "id=$NB" >/dev/null || { DETAIL="no CloseNotification for $NB"; return 1; }
}
check "stop: the open notification was closed" break_closed
check "journal: stopping" journal_has CHECKIN_EVENT=stopping "_PID=$MAINPID"
not_running_status() {
    local out rc
    out=$(timeout 20 "$CHECKIN" status 2>&1); rc=$?
    [[ $rc -eq 3 && $out == "checkind is not running."* ]] || { DETAIL="exit $rc: $out"; return 1; }
}
check "checkin status: not running (exit 3)" not_running_status

# --- 8b. D-Bus activation ------------------------------------------------------------------------
activated() {
    local out
    out=$(timeout 40 busctl --user --timeout=30 call io.checkin.Checkin1 /io/checkin/Checkin1 io.checkin.Checkin1 Status 2>&1) ||
        { DETAIL="busctl: $out"; return 1; }
    # The pause from before the stop is still there: it is kept in the journal database.
    [[ $out == *'"Paused" b true'* ]] || { DETAIL="reply without \"Paused\" b true: $out"; return 1; }
    state_is active running || return 1
    local pid
    pid=$(prop MainPID)
    [[ $pid =~ ^[1-9][0-9]*$ && $pid != "$MAINPID" ]] || { DETAIL="MainPID=$pid (before: $MAINPID)"; return 1; }
    MAINPID=$pid
}
check "D-Bus activation: Status() with the unit stopped starts $UNIT (and the pause survived)" activated
resume_it() {
    local out rc
    out=$(timeout 20 "$CHECKIN" resume 2>&1); rc=$?
    [[ $rc -eq 0 && $out == "Resumed: reminders are shown again." ]] || { DETAIL="exit $rc: $out"; return 1; }
    status_json_paused false
}
check "checkin resume; status --json: not paused" resume_it
stop_again() {
    local out
    out=$(e2e_systemctl stop "$UNIT" 2>&1) || { DETAIL="systemctl stop: $out"; return 1; }
    state_is inactive dead
}
check "stop the activated checkind" stop_again

# --- 9. start with an invalid config: EX_CONFIG, no restart loop ---------------------------------
write_config "25:00"
start_broken() {
    if e2e_systemctl start "$UNIT" >/dev/null 2>&1; then DETAIL="systemctl start succeeded"; return 1; fi
    local a r s
    poll "$E2E_WAIT" eval '[[ $(prop ActiveState) == failed ]]'
    a=$(prop ActiveState) r=$(prop Result) s=$(prop ExecMainStatus)
    [[ $a == failed && $r == exit-code && $s == 78 ]] ||
        { DETAIL="ActiveState=$a Result=$r ExecMainStatus=$s, expected failed/exit-code/78"; return 1; }
    s=$(tail -n 1 "$T/exit-status" 2>/dev/null)
    [[ $s == "exited 78 exit-code" ]] || { DETAIL="ExecStopPost saw '$s', expected 'exited 78 exit-code'"; return 1; }
}
check "start with an invalid config fails with exit status 78" start_broken
no_restart() {
    # Restart=on-failure, RestartSec=5: a restart would have happened by RestartSec + 1 s.
    local usec wait n a
    usec=$(prop RestartUSec); usec=${usec:-5s}
    wait=6
    [[ $usec =~ ^([0-9]+)s$ ]] && wait=$((BASH_REMATCH[1] + 1))
    local deadline=$((SECONDS + wait))
    while ((SECONDS < deadline)); do
        n=$(prop NRestarts) a=$(prop ActiveState)
        [[ $n == 0 && $a == failed ]] || { DETAIL="NRestarts=$n ActiveState=$a"; return 1; }
        sleep 0.5
    done
}
check "not restarted (RestartPreventExitStatus=78): NRestarts=0 after RestartSec" no_restart
check "journal: start-failed names the file and key path (MESSAGE_ID …a007)" journal_has SYSLOG_IDENTIFIER=checkind PRIORITY=2 \
    CHECKIN_EVENT=start-failed MESSAGE_ID=6a1c0b1e4f3d4b0c9f2a7c55d0e1a007 "CHECKIN_CONFIG_FILE=$CONFIG" \
    "MESSAGE~$CONFIG" "MESSAGE~reminders[0].at[1]" 'MESSAGE~"25:00" is not a time of day'
check "STATUS of the failed start names the error" eval '[[ $(prop StatusText) == "Failed: $CONFIG:"*"reminders[0].at[1]"* ]] || { DETAIL="StatusText=$(prop StatusText)"; false; }'

# --- the end --------------------------------------------------------------------------------------
finish
