#!/usr/bin/env bash
# Installs what checkin needs to build (and, with --test, to run its test suite) on Debian/Ubuntu.
# As root it runs apt-get; otherwise it prints the exact command and fails, so nothing happens behind
# the user's back.
set -euo pipefail

build_pkgs=(pkg-config libsystemd-dev libsqlite3-dev)
# The tests start real components: a private dbus-daemon, a scripted notification server written in
# Python (python3-dbus, python3-gi), systemd-journald and a systemd user manager, systemd-analyze;
# the end-to-end test renders the installed manual pages (man-db); a control test calls the daemon as
# another user through setpriv (util-linux); the report test renders `checkin report` with headless
# Chromium (chromium).
test_pkgs=(dbus-daemon dbus-bin python3 python3-dbus python3-gi gir1.2-glib-2.0 systemd sqlite3 procps e2fsprogs libc-bin man-db util-linux chromium)

want=("${build_pkgs[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "checkin: missing packages: ${missing[*]} (install their equivalents for your distribution)" >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "checkin: missing build dependencies. Install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "checkin: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
