# shellcheck shell=bash
# systemd-user-env.sh: a throwaway systemd user manager + journald + session bus for end-to-end tests.
#
# Source it, then:
#     e2e_start || exit 1          # exports XDG_*, DBUS_SESSION_BUS_ADDRESS, E2E_UNIT_DIR, ...
#     trap e2e_stop EXIT           # e2e_stop is idempotent and never fails
#     cp checkind.service "$E2E_UNIT_DIR/"; e2e_systemctl daemon-reload; e2e_systemctl start checkind
#     e2e_journal --user-unit checkind.service   # this run's entries as JSON lines (not -u: gotcha 2)
#
# Needs root and no systemd as PID 1 (a test VM/container); it refuses otherwise. Only for the
# end-to-end harness (CI=true or asked for explicitly): it creates /run/systemd/system, which makes
# sd_booted() true machine-wide while it runs.
#
# What runs, and who owns it (every PID recorded, and only those are ever signalled):
#   systemd-journald  /lib/systemd/systemd-journald, only if none runs yet (E2E_JOURNALD_PID);
#                     storage is volatile: /run/log/journal/<machine-id>/system.journal.
#   dbus-daemon       private session bus at unix:path=$XDG_RUNTIME_DIR/bus (E2E_DBUS_PID), with no
#                     service activation (nothing gets auto-started by a method call) unless
#                     E2E_DBUS_ACTIVATION=1 (gotcha 16): then only the service files in
#                     $E2E_DBUS_SERVICE_DIR, started through the user manager.
#   systemd --user    the user manager (E2E_MANAGER_PID), in its own cgroup (E2E_CGROUP).
#
# State is also written to "$E2E_STATE_DIR/env" (shell-quoted exports), so another process can
# `source` it to talk to the same manager, or call `e2e_stop "$E2E_STATE_DIR/env"` to tear it down.
#
# GOTCHAS found on Debian 12 / systemd 252 / cgroup v1+v2 hybrid, root, PID 1 not systemd:
#  1. `systemd --user` refuses to start without /run/systemd/system (not booted with systemd): it
#     exits 1 at once without a word on stderr. We create it if missing and remove it at stop only if we created it (it stays if another
#     harness created it, or is running with it).
#  2. NEVER start `systemd --user` in the root cgroup. A manager treats its own cgroup as its root
#     and migrates *every* process in it into <root>/init.scope, in every cgroup v1 hierarchy
#     (name=systemd, memory, pids, cpu, unified) - in a VM where everything sits in "/" that moves
#     PID 1 and all other sessions, and it also pulls them out of their memory cgroups. So the
#     manager is started from a subshell that first moves itself into a fresh cgroup
#     /checkin_e2e_<pid>.slice/user@<uid>.service in the name=systemd + unified hierarchies (or the
#     single cgroup2 hierarchy), then execs the manager: it then only owns that subtree. The
#     "user@<uid>.service" component also makes journald attribute unit output like on a real
#     system: _SYSTEMD_UNIT=user@0.service, _SYSTEMD_USER_UNIT=<unit>, so `journalctl --user-unit`
#     works. (In the root cgroup units would show up as system units: _SYSTEMD_UNIT=<unit>.)
#     At stop the subtree is removed in every hierarchy (the manager mirrors it into the v1
#     controller hierarchies too).
#  3. journald runs standalone as root: it creates /run/systemd/journal/{socket,stdout,dev-log,...}
#     itself (no socket activation needed), reads /dev/kmsg, stores in /run/log/journal (no
#     /var/log/journal here). Waiting for /run/systemd/journal/stdout is enough. Killing it leaves
#     the socket files behind: a stale `socket` file is not a running journald, so liveness is
#     checked by process name (pgrep -x systemd-journal: comm is cut to 15 characters).
#  4. Started by hand, the user manager logged nothing anywhere (LogTarget=auto: neither journal
#     nor its stderr file got "Started x.service"), so it runs with --log-target=journal: "Started x.service"
#     etc. then land in the journal as _PID=$E2E_MANAGER_PID. Unit stdout/stderr go to journald via
#     /run/systemd/journal/stdout (StandardOutput=journal is the default) regardless.
#  5. The manager reads units from $XDG_CONFIG_HOME/systemd/user (and $XDG_RUNTIME_DIR/systemd/user),
#     so both are private temp dirs; XDG_DATA_HOME/STATE/CACHE too, so nothing touches $HOME.
#     Units inherit the *manager's* environment (a user manager copies its own environ), so
#     DBUS_SESSION_BUS_ADDRESS and the XDG_* vars are exported before the manager starts;
#     `systemctl --user show-environment` shows them. NOTIFY_SOCKET, WATCHDOG_*, JOURNAL_STREAM,
#     INVOCATION_ID, LISTEN_* of the caller are removed from the manager's environment.
#  6. Debian's dbus-user-session ships dbus.socket (ListenStream=%t/bus) in the user manager, which
#     would fight our private bus for $XDG_RUNTIME_DIR/bus: dbus.socket and dbus.service are masked
#     in the private $XDG_CONFIG_HOME. Units may still say After=dbus.socket (ordering on a masked
#     unit is a no-op); Requires=dbus.socket would fail.
#  7. Debian's session.conf has service activation: calling org.freedesktop.Notifications would
#     auto-spawn dunst (and fail without a display). Our bus config has no <servicedir>, so tests
#     start their notification server themselves.
#  8. Type=notify from a shell script: `systemd-notify` is a child of the main process, so the unit
#     needs NotifyAccess=all (then `systemd-notify --ready --status=...` works: StatusText is set,
#     ActiveState=active). systemd-notify(1) warns that a message from a process that exits at once
#     may not be attributed to the unit; keep the script alive after it. A daemon calling sd_notify
#     itself (checkind) needs neither.
#  9. `systemctl --user` as root just needs XDG_RUNTIME_DIR (it talks to
#     $XDG_RUNTIME_DIR/systemd/private); `is-system-running` says "starting" for a moment, then
#     "running" (or "degraded" if some default user unit failed); both count as up.
# 10. `systemd-analyze --user verify` also needs an XDG_RUNTIME_DIR (else "Failed to initialize
#     manager: No such device or address") and runs `man` for Documentation=man:... (use --man=no).
# 11. journalctl as root reads all journal files; the manager runs as uid 0, so its units' entries
#     go to system.journal, not a user-0.journal: use `journalctl` without --user
#     (`--user-unit=X` and `-u user@0.service` both work thanks to gotcha 2).
# 12. journalctl 252 `--after-cursor C` combined with a match (`--user-unit X`, `-t X`, FIELD=...)
#     silently skips the first *matching* entry when entry C itself does not match (it steps over
#     "the cursor entry" after seeking with the filter applied). `--cursor C` is right; drop C's
#     own entry by its __CURSOR.
# 13. journald keeps journal files across its restarts (/run/log/journal lives until reboot), so
#     queries see earlier runs: e2e_journal only shows entries after the cursor from e2e_start.
# 14. The manager does not attach to our session bus (dbus.service is masked, gotcha 6), so
#     org.freedesktop.systemd1 is not on it (`busctl --user` lists no systemd); systemctl uses
#     $XDG_RUNTIME_DIR/systemd/private and is unaffected. With E2E_DBUS_ACTIVATION=1 it does
#     attach (gotcha 16); systemctl still uses the private socket.
# 16. D-Bus activation through systemd (E2E_DBUS_ACTIVATION=1): dbus-daemon --systemd-activation
#     sends ActivationRequest for a service file's SystemdService= to org.freedesktop.systemd1 on
#     the bus, so the manager must be connected to our bus. A manager connects to its API bus only
#     while both dbus.socket and dbus.service are active (manager_dbus_is_running()), and then uses
#     $DBUS_SESSION_BUS_ADDRESS (ours). So instead of masking them (gotcha 6) we install stand-ins:
#     dbus.socket listening on a dummy path (never our bus socket) and a dbus.service that only
#     sleeps, start both, and wait until org.freedesktop.systemd1 is on our bus. The <servicedir>
#     is $E2E_DBUS_SERVICE_DIR only, so nothing else (dunst, gotcha 7) can be activated.
# 15. Verified here with the real checkind (debug build) and systemd/checkind.service (hardening
#     on: seccomp filters, MemoryDenyWriteExecute): Type=notify READY/STATUS, `systemctl --user
#     reload` (SIGHUP -> RELOADING=1 ... READY=1), stop (STOPPING=1), WATCHDOG_USEC=30s, and native
#     journal entries (JOURNAL_STREAM matched) with CHECKIN_* fields under --user-unit.

# ---------------------------------------------------------------------------------------------
: "${E2E_TIMEOUT:=20}"                  # seconds to wait for each component to come up / go away
: "${E2E_SYSTEMD:=/lib/systemd/systemd}"
: "${E2E_JOURNALD:=/lib/systemd/systemd-journald}"
: "${E2E_DBUS_DAEMON:=dbus-daemon}"
: "${E2E_DBUS_ACTIVATION:=0}"          # 1: service activation through the manager (gotcha 16)

_e2e_log() { printf 'e2e: %s\n' "$*" >&2; }

# _e2e_wait <timeout-seconds> <command...>: poll every 0.1 s until the command succeeds.
_e2e_wait() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
}

_e2e_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# _e2e_kill_pid <pid> <timeout> <executable-name>: SIGTERM, wait, then SIGKILL. Only ever called
# with recorded PIDs; the executable name guards against a recycled PID (e.g. when the state was
# already torn down by another process through the state file).
_e2e_kill_pid() {
    local pid=$1 timeout=$2 name=$3 exe
    _e2e_alive "$pid" || return 0
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 0
    [[ ${exe##*/} == "$name" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    if ! _e2e_wait "$timeout" eval "! kill -0 $pid 2>/dev/null"; then
        _e2e_log "pid $pid ignored SIGTERM for ${timeout}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        _e2e_wait 5 eval "! kill -0 $pid 2>/dev/null" || true
    fi
    wait "$pid" 2>/dev/null || true  # reap if it is our child; harmless otherwise
    return 0
}

# The cgroup hierarchies that track processes for systemd (gotcha 2): the single cgroup2 mount,
# or name=systemd (+ unified) on legacy/hybrid systems.
_e2e_tracking_hierarchies() {
    local d
    for d in /sys/fs/cgroup /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
        case "$(stat -f -c %T "$d" 2>/dev/null)" in
            cgroup2fs | cgroupfs) [[ -f "$d/cgroup.procs" ]] && printf '%s\n' "$d" ;;
        esac
    done
}

# Every mounted cgroup hierarchy (the manager mirrors its tree into the v1 controllers).
_e2e_all_hierarchies() {
    local d
    for d in /sys/fs/cgroup /sys/fs/cgroup/*; do
        case "$(stat -f -c %T "$d" 2>/dev/null)" in
            cgroup2fs | cgroupfs) [[ -f "$d/cgroup.procs" ]] && printf '%s\n' "$d" ;;
        esac
    done
}

_e2e_write_state() {
    [[ -n "${E2E_STATE_DIR:-}" && -d "$E2E_STATE_DIR" ]] || return 0
    local v
    {
        for v in E2E_STATE_DIR E2E_CREATED_RUN_SYSTEMD_SYSTEM E2E_CREATED_RUN_JOURNAL E2E_JOURNALD_PID E2E_DBUS_PID \
            E2E_MANAGER_PID E2E_CGROUP E2E_UNIT_DIR E2E_DBUS_SERVICE_DIR E2E_JOURNAL_CURSOR XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_DATA_HOME \
            XDG_STATE_HOME XDG_CACHE_HOME DBUS_SESSION_BUS_ADDRESS \
            E2E_SAVED_XDG_RUNTIME_DIR E2E_SAVED_XDG_CONFIG_HOME E2E_SAVED_XDG_DATA_HOME \
            E2E_SAVED_XDG_STATE_HOME E2E_SAVED_XDG_CACHE_HOME E2E_SAVED_DBUS_SESSION_BUS_ADDRESS; do
            printf 'export %s=%q\n' "$v" "${!v-}"
        done
    } >"$E2E_STATE_DIR/env"
}

# e2e_start: bring everything up. Returns non-zero (after cleaning up) if anything fails.
e2e_start() {
    if _e2e_alive "${E2E_MANAGER_PID:-}"; then
        return 0  # already running: idempotent
    fi
    if [[ $(id -u) -ne 0 ]]; then
        _e2e_log "needs root (creates /run/systemd/system, starts journald, moves cgroups)"; return 1
    fi
    if [[ "$(readlink /proc/1/exe 2>/dev/null)" == */systemd ]]; then
        _e2e_log "PID 1 is systemd: use the real user manager instead"; return 1
    fi
    local tool
    for tool in "$E2E_SYSTEMD" "$E2E_JOURNALD"; do
        [[ -x "$tool" ]] || { _e2e_log "missing $tool"; return 1; }
    done
    for tool in "$E2E_DBUS_DAEMON" systemctl journalctl timeout; do
        command -v "$tool" >/dev/null || { _e2e_log "missing $tool"; return 1; }
    done

    E2E_SAVED_XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR-}
    E2E_SAVED_XDG_CONFIG_HOME=${XDG_CONFIG_HOME-}
    E2E_SAVED_XDG_DATA_HOME=${XDG_DATA_HOME-}
    E2E_SAVED_XDG_STATE_HOME=${XDG_STATE_HOME-}
    E2E_SAVED_XDG_CACHE_HOME=${XDG_CACHE_HOME-}
    E2E_SAVED_DBUS_SESSION_BUS_ADDRESS=${DBUS_SESSION_BUS_ADDRESS-}

    # Short path: AF_UNIX socket paths are limited to 108 bytes.
    E2E_STATE_DIR=$(mktemp -d /tmp/checkin-e2e.XXXXXX) || return 1
    chmod 700 "$E2E_STATE_DIR"
    E2E_CREATED_RUN_SYSTEMD_SYSTEM=0 E2E_CREATED_RUN_JOURNAL=0
    E2E_JOURNALD_PID= E2E_DBUS_PID= E2E_MANAGER_PID= E2E_CGROUP= E2E_JOURNAL_CURSOR=

    # 1. /run/systemd/system (gotcha 1)
    if [[ ! -d /run/systemd/system ]]; then
        mkdir -p /run/systemd/system || { e2e_stop; return 1; }
        E2E_CREATED_RUN_SYSTEMD_SYSTEM=1
    fi

    # 2. journald (gotcha 3)
    if ! pgrep -x systemd-journal >/dev/null; then
        [[ -d /run/systemd/journal ]] || E2E_CREATED_RUN_JOURNAL=1
        # Not via setsid(1): under job control it forks again and $! would not be journald.
        "$E2E_JOURNALD" </dev/null >>"$E2E_STATE_DIR/journald.log" 2>&1 &
        E2E_JOURNALD_PID=$!
        if ! _e2e_wait "$E2E_TIMEOUT" test -S /run/systemd/journal/stdout -a -S /run/systemd/journal/socket ||
            ! _e2e_alive "$E2E_JOURNALD_PID"; then
            _e2e_log "journald did not come up: $(tail -n 5 "$E2E_STATE_DIR/journald.log")"
            e2e_stop; return 1
        fi
    fi

    # Journal files outlive journald (volatile, but /run survives between runs on the same
    # machine): remember where this run starts so e2e_journal shows only this run's entries.
    E2E_JOURNAL_CURSOR=$(timeout 10 journalctl -q -n 0 --show-cursor --no-pager 2>/dev/null |
        sed -n 's/^-- cursor: //p') || true

    # 3. private XDG dirs (gotcha 5)
    export XDG_RUNTIME_DIR="$E2E_STATE_DIR/run"
    export XDG_CONFIG_HOME="$E2E_STATE_DIR/config"
    export XDG_DATA_HOME="$E2E_STATE_DIR/data"
    export XDG_STATE_HOME="$E2E_STATE_DIR/state"
    export XDG_CACHE_HOME="$E2E_STATE_DIR/cache"
    export E2E_UNIT_DIR="$XDG_CONFIG_HOME/systemd/user"
    mkdir -p "$XDG_RUNTIME_DIR" "$E2E_UNIT_DIR" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
    chmod 700 "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
    # gotcha 6: keep the manager's own dbus.socket off our bus path.
    E2E_DBUS_SERVICE_DIR=
    if [[ $E2E_DBUS_ACTIVATION == 1 ]]; then
        # gotcha 16: stand-ins that make the manager connect to our bus, never listening on it.
        export E2E_DBUS_SERVICE_DIR="$E2E_STATE_DIR/dbus-services"
        mkdir -p "$E2E_DBUS_SERVICE_DIR"
        printf '%s\n' '[Unit]' 'Description=Stand-in for dbus.socket (the bus is the e2e harness own)' \
            '[Socket]' 'ListenStream=%t/e2e-dbus-stand-in.socket' >"$E2E_UNIT_DIR/dbus.socket"
        printf '%s\n' '[Unit]' 'Description=Stand-in for dbus.service (the bus is the e2e harness own)' \
            '[Service]' 'ExecStart=/bin/sleep infinity' >"$E2E_UNIT_DIR/dbus.service"
    else
        ln -sf /dev/null "$E2E_UNIT_DIR/dbus.socket"
        ln -sf /dev/null "$E2E_UNIT_DIR/dbus.service"
    fi

    # 4. session bus (gotcha 7)
    export DBUS_SESSION_BUS_ADDRESS="unix:path=$XDG_RUNTIME_DIR/bus"
    cat >"$E2E_STATE_DIR/session-bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>$DBUS_SESSION_BUS_ADDRESS</listen>
  <auth>EXTERNAL</auth>${E2E_DBUS_SERVICE_DIR:+
  <servicedir>$E2E_DBUS_SERVICE_DIR</servicedir>}
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
    "$E2E_DBUS_DAEMON" --config-file="$E2E_STATE_DIR/session-bus.conf" --nofork --nopidfile \
        ${E2E_DBUS_SERVICE_DIR:+--systemd-activation} </dev/null >>"$E2E_STATE_DIR/dbus.log" 2>&1 &
    E2E_DBUS_PID=$!
    if ! _e2e_wait "$E2E_TIMEOUT" test -S "$XDG_RUNTIME_DIR/bus" || ! _e2e_alive "$E2E_DBUS_PID"; then
        _e2e_log "dbus-daemon did not come up: $(tail -n 5 "$E2E_STATE_DIR/dbus.log")"
        e2e_stop; return 1
    fi

    # 5. the user manager in its own cgroup (gotchas 2, 4, 5)
    local hierarchies
    hierarchies=$(_e2e_tracking_hierarchies)
    if [[ -z "$hierarchies" ]]; then
        _e2e_log "no cgroup hierarchy found under /sys/fs/cgroup"; e2e_stop; return 1
    fi
    E2E_CGROUP="/checkin_e2e_$$.slice/user@$(id -u).service"
    (
        # In a subshell: move only ourselves ($BASHPID), then become the manager.
        for h in $hierarchies; do
            mkdir -p "$h$E2E_CGROUP" && echo "$BASHPID" >"$h$E2E_CGROUP/cgroup.procs" || exit 97
        done
        exec env -u NOTIFY_SOCKET -u WATCHDOG_USEC -u WATCHDOG_PID -u JOURNAL_STREAM \
            -u INVOCATION_ID -u LISTEN_FDS -u LISTEN_PID -u LISTEN_FDNAMES -u MANAGERPID \
            "$E2E_SYSTEMD" --user --log-target=journal
    ) </dev/null >>"$E2E_STATE_DIR/manager.log" 2>&1 &
    E2E_MANAGER_PID=$!
    _e2e_write_state

    local state= deadline=$((SECONDS + E2E_TIMEOUT))
    while :; do
        state=$(timeout 5 systemctl --user is-system-running 2>/dev/null) || true
        [[ $state == running || $state == degraded ]] && break
        if ! _e2e_alive "$E2E_MANAGER_PID" || ((SECONDS >= deadline)); then
            _e2e_log "systemd --user did not come up (state '${state}'): $(tail -n 5 "$E2E_STATE_DIR/manager.log")"
            e2e_stop; return 1
        fi
        sleep 0.1
    done
    if [[ -n $E2E_DBUS_SERVICE_DIR ]]; then
        # gotcha 16: with the stand-ins active the manager joins our bus.
        if ! timeout "$E2E_TIMEOUT" systemctl --user start dbus.socket dbus.service ||
            ! _e2e_wait "$E2E_TIMEOUT" eval 'timeout 5 busctl --user call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus NameHasOwner s org.freedesktop.systemd1 2>/dev/null | grep -qx "b true"'; then
            _e2e_log "the user manager did not join the session bus (no org.freedesktop.systemd1)"
            e2e_stop; return 1
        fi
    fi
    _e2e_log "up: manager $E2E_MANAGER_PID ($state), dbus $E2E_DBUS_PID, journald ${E2E_JOURNALD_PID:-(already running)}, XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"
    return 0
}

# e2e_stop [state-file]: stop everything e2e_start started, by PID; idempotent; always returns 0.
e2e_stop() {
    if [[ -n "${1:-}" && -f "$1" ]]; then
        # shellcheck disable=SC1090
        source "$1"
    fi
    local pid h dir

    # The manager stops its units on SIGTERM (as `systemctl --user exit` would).
    if _e2e_alive "${E2E_MANAGER_PID:-}"; then
        _e2e_kill_pid "$E2E_MANAGER_PID" "$E2E_TIMEOUT" "${E2E_SYSTEMD##*/}"
    fi
    # Whatever is still inside our cgroup subtree was started by our manager: kill those PIDs.
    if [[ -n "${E2E_CGROUP:-}" ]]; then
        local top=${E2E_CGROUP%%.slice/*}.slice
        for h in $(_e2e_all_hierarchies); do
            [[ -d "$h$top" ]] || continue
            for pid in $(find "$h$top" -name cgroup.procs -exec cat {} + 2>/dev/null); do
                [[ $pid == "$$" || $pid == "${BASHPID:-}" ]] && continue
                kill -KILL "$pid" 2>/dev/null || true
            done
        done
        sleep 0.2
        for h in $(_e2e_all_hierarchies); do
            [[ -d "$h$top" ]] || continue
            # Depth-first: cgroup directories can only be removed when empty of children.
            find "$h$top" -depth -type d -exec rmdir {} + 2>/dev/null || true
            if [[ -d "$h$top" ]]; then _e2e_log "could not remove cgroup $h$top"; fi
        done
    fi
    if [[ -n "${E2E_DBUS_PID:-}" ]]; then
        _e2e_kill_pid "$E2E_DBUS_PID" 5 "${E2E_DBUS_DAEMON##*/}"
    fi
    if [[ -n "${E2E_JOURNALD_PID:-}" ]]; then
        _e2e_kill_pid "$E2E_JOURNALD_PID" 5 "${E2E_JOURNALD##*/}"
        # Its sockets stay behind; drop them if the directory was ours (journal files in
        # /run/log/journal are kept for post-mortems).
        if [[ "${E2E_CREATED_RUN_JOURNAL:-0}" == 1 ]] && ! pgrep -x systemd-journal >/dev/null; then
            rm -rf -- /run/systemd/journal || true
        fi
    fi
    if [[ "${E2E_CREATED_RUN_SYSTEMD_SYSTEM:-0}" == 1 && -d /run/systemd/system ]]; then
        rmdir /run/systemd/system 2>/dev/null || _e2e_log "/run/systemd/system not empty, left in place"
    fi
    if [[ -n "${E2E_STATE_DIR:-}" && "$E2E_STATE_DIR" == /tmp/checkin-e2e.* && -d "$E2E_STATE_DIR" ]]; then
        rm -rf -- "$E2E_STATE_DIR" || true
    fi

    # Restore the caller's environment.
    local v saved
    for v in XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME DBUS_SESSION_BUS_ADDRESS; do
        saved=E2E_SAVED_$v
        if [[ -n "${E2E_STATE_DIR:-}" ]]; then
            if [[ -n "${!saved-}" ]]; then export "$v=${!saved}"; else unset "$v"; fi
        fi
    done
    unset E2E_STATE_DIR E2E_CREATED_RUN_SYSTEMD_SYSTEM E2E_CREATED_RUN_JOURNAL E2E_JOURNALD_PID E2E_DBUS_PID E2E_MANAGER_PID \
        E2E_CGROUP E2E_UNIT_DIR E2E_DBUS_SERVICE_DIR E2E_JOURNAL_CURSOR
    return 0
}

# e2e_systemctl <args...>: systemctl --user against our manager, with a timeout.
e2e_systemctl() { timeout "$E2E_TIMEOUT" systemctl --user --no-pager "$@"; }

# e2e_journal <journalctl args...>: this run's entries (after the cursor taken at e2e_start) as
# JSON lines, e.g. `e2e_journal --user-unit checkind.service` or `e2e_journal -t checkind
# CHECKIN_EVENT=started`. journald stores native and stdout entries as they arrive, but the
# sender and the reader race: poll (e2e_wait_for) rather than read once.
# (gotcha 12: --cursor plus dropping the cursor's own entry, not --after-cursor.)
e2e_journal() {
    if [[ -z "${E2E_JOURNAL_CURSOR:-}" ]]; then
        timeout "$E2E_TIMEOUT" journalctl --no-pager -o json "$@"
        return
    fi
    timeout "$E2E_TIMEOUT" journalctl --no-pager -o json --cursor "$E2E_JOURNAL_CURSOR" "$@" |
        awk -v own="\"__CURSOR\":\"$E2E_JOURNAL_CURSOR\"" 'index($0, own) == 0'
}

# e2e_wait_for <timeout> <command...>: exported poll helper for tests.
e2e_wait_for() { _e2e_wait "$@"; }
