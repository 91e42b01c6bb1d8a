#!/usr/bin/env bash
# Draws checkind's notifications with a real notification server and saves them for the README:
#   docs/screenshot-checkin.png   the mood check-in ("How are you feeling?")
#   docs/screenshot-break.png     the break reminder
#
# Everything is private and torn down at the end: an Xvfb display, a session bus, dunst (with the
# config below, not yours), checkind with the built-in config, XDG dirs and TZ=UTC in a temp dir.
# Along the way it checks that dunst shows each prompt and that choosing one of its actions (through
# dunst's own context menu, answered by a scripted stand-in for dmenu) records it in the journal.
#
# Needs: Xvfb, dbus-daemon, dunst/dunstctl (1.9), xwd, xwininfo, ImageMagick convert, busctl.
#   apt-get install -y dunst xvfb x11-apps x11-utils imagemagick fonts-dejavu-core
# Environment:
#   BIN=DIR        where checkind and checkin are (default .build/debug, else .build-shot/debug)
#   OUT=DIR        where the PNGs go (default docs)
#   KEEP_TMP=1     keep the temp dir (dunstrc, Notify calls as seen by dbus-monitor, logs)
#   CONFIG=FILE    run checkind with this config instead of the built-in one (for experiments;
#                  the checks below expect the default reminders "mood" and "break")
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-docs}
if [[ -z ${BIN:-} ]]; then
    BIN=.build/debug
    [[ -x $BIN/checkind && -x $BIN/checkin ]] || BIN=.build-shot/debug
fi
for tool in "$BIN/checkind" "$BIN/checkin"; do
    [[ -x $tool ]] || { echo "screenshot: $tool missing (swift build --scratch-path .build-shot)" >&2; exit 1; }
done
for tool in Xvfb dbus-daemon dbus-monitor dunst dunstctl xwd xwininfo convert busctl; do
    command -v "$tool" >/dev/null || { echo "screenshot: $tool not installed" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/checkin-shot.XXXXXX)
pids=()
cleanup() {
    local rc=$?
    # Stop in reverse order of start, each by its own PID.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    if [[ ${KEEP_TMP:-} == 1 || $rc != 0 ]]; then echo "screenshot: temp dir kept: $tmp" >&2; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf 'screenshot: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
    local what=$1 secs=$2; shift 2
    local n=$((secs * 10))
    until "$@" >/dev/null 2>&1; do
        ((n-- > 0)) || fail "timed out waiting for $what"
        sleep 0.1
    done
}

# --- X display -------------------------------------------------------------------------------
# -displayfd lets Xvfb pick a free display number and tells us which; -noreset keeps the root
# background when xsetroot disconnects.
Xvfb -displayfd 3 -screen 0 1024x600x24 -nolisten tcp -noreset 3>"$tmp/display" 2>"$tmp/xvfb.log" &
pids+=($!)
wait_for "Xvfb" 10 test -s "$tmp/display"
export DISPLAY=":$(tr -d '[:space:]' <"$tmp/display")"
log "display $DISPLAY"
# A plain desktop-grey root, so the crop shows the notification on a neutral background.
command -v xsetroot >/dev/null && xsetroot -solid '#4c566a'

# --- Session bus ---------------------------------------------------------------------------------
dbus-daemon --session --nofork --print-address=1 --address="unix:dir=$tmp" >"$tmp/bus-address" &
pids+=($!)
wait_for "dbus-daemon" 10 test -s "$tmp/bus-address"
export DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$tmp/bus-address")

# Every call and signal of org.freedesktop.Notifications, to report what checkind sends.
dbus-monitor --address "$DBUS_SESSION_BUS_ADDRESS" "interface=org.freedesktop.Notifications" >"$tmp/notifications.log" 2>&1 &
pids+=($!)

# --- dunst ---------------------------------------------------------------------------------------
# dunst puts actions in a context menu that it draws with dmenu. This stand-in records the menu
# dunst offers and answers with the first line containing the text in $tmp/choice, the way a
# person would pick it.
cat >"$tmp/menu" <<EOF
#!/bin/sh
cat >"$tmp/menu.in"
cat "$tmp/menu.in" >>"$tmp/menus.log"; echo "--" >>"$tmp/menus.log"
grep -m1 -F -- "\$(cat "$tmp/choice")" "$tmp/menu.in"
EOF
chmod +x "$tmp/menu"

cat >"$tmp/dunstrc" <<EOF
[global]
    monitor = 0
    follow = none
    width = (320, 400)
    height = 300
    origin = top-right
    offset = 16x16
    notification_limit = 0
    indicate_hidden = yes
    separator_height = 2
    padding = 12
    horizontal_padding = 12
    text_icon_padding = 12
    frame_width = 2
    frame_color = "#8fa1b3"
    corner_radius = 6
    font = DejaVu Sans 11
    line_height = 2
    markup = full
    format = "<b>%s</b>\n%b"
    alignment = left
    vertical_alignment = center
    show_age_threshold = -1
    ellipsize = end
    word_wrap = yes
    ignore_newline = no
    stack_duplicates = false
    show_indicators = yes
    # dunst 1.9's recursive theme lookup does not find Adwaita's full-colour (legacy) icons such
    # as face-smile; the plain path lookup does.
    enable_recursive_icon_lookup = false
    icon_path = /usr/share/icons/Adwaita/48x48/legacy/:/usr/share/icons/Adwaita/48x48/status/:/usr/share/icons/hicolor/48x48/apps/
    icon_position = left
    min_icon_size = 32
    max_icon_size = 48
    sticky_history = yes
    history_length = 20
    dmenu = $tmp/menu
    mouse_left_click = close_current
    mouse_middle_click = do_action, close_current
    mouse_right_click = context

[urgency_low]
    background = "#2b303b"
    foreground = "#c0c5ce"
    timeout = 10

[urgency_normal]
    background = "#2b303b"
    foreground = "#eff1f5"
    timeout = 0

[urgency_critical]
    background = "#900000"
    foreground = "#ffffff"
    frame_color = "#ff0000"
    timeout = 0
EOF

dunst -config "$tmp/dunstrc" >"$tmp/dunst.log" 2>&1 &
pids+=($!)
has_name() { busctl --user list --no-legend 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
wait_for "dunst on the bus" 10 has_name org.freedesktop.Notifications

# --- checkind ------------------------------------------------------------------------------------
mkdir -p "$tmp/config" "$tmp/data"
export XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_RUNTIME_DIR=$tmp TZ=UTC
"$BIN/checkind" ${CONFIG:+--config "$CONFIG"} >"$tmp/checkind.log" 2>&1 &
pids+=($!)
wait_for "checkind on the bus" 10 has_name io.checkin.Checkin1

trigger() { busctl --user call io.checkin.Checkin1 /io/checkin/Checkin1 io.checkin.Checkin1 Trigger s "$1" | awk '{print $2}' | tr -d '"'; }
displayed() { dunstctl count displayed; }
displayed_is() { [[ $(displayed) == "$1" ]]; }
# in_history SUMMARY: dunst has closed a notification with this summary (it is in its history).
in_history() {
    dunstctl history | python3 -c 'import json, sys
h = json.load(sys.stdin)
sys.exit(0 if any(n["summary"]["data"] == sys.argv[1] for n in h["data"][0]) else 1)' "$1"
}
history_json() { "$BIN/checkin" history --json --since 1d; }
# journal_has PYTHON-EXPRESSION: true when the expression holds for `checkin history --json`
# (h is the parsed document, e and p its entries and prompts).
journal_has() {
    history_json | python3 -c 'import json, sys
h = json.load(sys.stdin); e = h["entries"]; p = h["prompts"]
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1"
}

# shot FILE: the dunst window(s) with a margin of desktop around them.
shot() {
    local file=$1 geo x y w h m=16
    # dunst maps one override-redirect window titled "Dunst"; its absolute geometry is the crop.
    geo=$(xwininfo -name Dunst)
    x=$(awk '/Absolute upper-left X/ {print $4}' <<<"$geo")
    y=$(awk '/Absolute upper-left Y/ {print $4}' <<<"$geo")
    w=$(awk '/Width:/ {print $2}' <<<"$geo")
    h=$(awk '/Height:/ {print $2}' <<<"$geo")
    local cx=$((x - m)) cy=$((y - m))
    ((cx < 0)) && cx=0; ((cy < 0)) && cy=0
    local cw=$((w + 2 * m)) ch=$((h + 2 * m))
    ((cx + cw > 1024)) && cw=$((1024 - cx)); ((cy + ch > 600)) && ch=$((600 - cy))
    xwd -root -silent -display "$DISPLAY" | convert xwd:- -crop "${cw}x${ch}+${cx}+${cy}" +repage -strip png:"$file"
    log "wrote $file (${cw}x${ch}, window ${w}x${h}+${x}+${y})"
}

# choose TEXT: open dunst's context menu on the newest notification and pick the entry with TEXT.
choose() {
    printf '%s' "$1" >"$tmp/choice"
    dunstctl action 0
}

mkdir -p "$OUT"

# --- Mood check-in -------------------------------------------------------------------------------
mood=$(trigger mood)
log "mood prompt $mood"
wait_for "the check-in on screen" 10 displayed_is 1
sleep 0.5   # let dunst draw
shot "$OUT/screenshot-checkin.png"
log "dunstctl count displayed=$(displayed) history=$(dunstctl count history)"

choose "4 Good"
wait_for "the mood answer in the journal" 10 journal_has "any(x['prompt'] == '$mood' and x['mood'] == 4 and x['source'] == 'notification' for x in e)"
log "mood 4 recorded"
# checkind closes the check-in and sends the follow-up (anxiety) in its place.
wait_for "the check-in to close" 10 in_history "How are you feeling?"
wait_for "the follow-up on screen" 10 displayed_is 1
sleep 0.5
shot "$tmp/followup.png"
choose "2 Mild"
wait_for "the anxiety answer in the journal" 10 journal_has "any(x['prompt'] == '$mood' and x['mood'] == 4 and x['anxiety'] == 2 for x in e)"
log "anxiety 2 recorded"
wait_for "the follow-up to close" 10 in_history "How anxious do you feel?"
wait_for "an empty screen" 10 displayed_is 0

# --- Break reminder ------------------------------------------------------------------------------
brk=$(trigger break)
log "break prompt $brk"
wait_for "the break on screen" 10 displayed_is 1
sleep 0.5
shot "$OUT/screenshot-break.png"
choose "Start break"
wait_for "the break answer in the journal" 10 journal_has "any(x['id'] == '$brk' and x['state'] == 'answered' and x['action'] == 'done' for x in p)"
log "break answered with done"
wait_for "the break to close" 10 in_history "Time for a break"

history_json >"$tmp/history.json"
# dunst keeps what it showed in its history: all three notifications, each closed by checkind
# once answered.
dunstctl history >"$tmp/dunst-history.json"
for summary in "How are you feeling?" "How anxious do you feel?" "Time for a break"; do
    in_history "$summary" || fail "dunst history lacks \"$summary\""
done
log "dunst history: $(dunstctl count history) notifications; all three prompts answered and recorded"
if [[ ${KEEP_TMP:-} == 1 ]]; then
    log "journal: $tmp/history.json; menus dunst offered: $tmp/menus.log; Notify calls: $tmp/notifications.log"
fi
