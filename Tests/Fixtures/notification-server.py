#!/usr/bin/python3
"""A scripted org.freedesktop.Notifications server for tests.

Usage: notification-server.py --address ADDR [--capabilities actions,body,inline-reply]
                              [--log FILE] [--first-id N]

Connects to the bus at ADDR, owns org.freedesktop.Notifications and prints
"READY <unique-name>" on stdout. Every Notify and CloseNotification call is appended to FILE as
one JSON line. Commands, one JSON object per stdin line, make it emit signals:
  {"cmd":"action","id":N,"action":"4"}   -> ActionInvoked(N, "4")
  {"cmd":"close","id":N,"reason":2}      -> NotificationClosed(N, 2)
  {"cmd":"reply","id":N,"text":"..."}    -> NotificationReplied(N, "...")
  {"cmd":"quit"}                         -> exit 0 (also on stdin EOF)
Each command is acknowledged with "OK <cmd>" on stdout (or "ERROR <text>").
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scripted_peer  # noqa: E402

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
IFACE = "org.freedesktop.Notifications"

SIGNATURES = [  # most specific first: dbus.Boolean and dbus.Byte are ints too
    (dbus.Boolean, "b"), (dbus.Byte, "y"), (dbus.Int16, "n"), (dbus.UInt16, "q"),
    (dbus.Int32, "i"), (dbus.UInt32, "u"), (dbus.Int64, "x"), (dbus.UInt64, "t"),
    (dbus.Double, "d"), (dbus.ObjectPath, "o"), (dbus.String, "s"), (dbus.Array, "a"),
]


def plain(value):
    """dbus-python value -> JSON-able value."""
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Array, list, tuple, dbus.Struct)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):
        return int(value)
    return str(value)


def signature(value):
    for cls, sig in SIGNATURES:
        if isinstance(value, cls):
            if sig == "a":
                return "a" + (value.signature or "?")
            return sig
    return "?"


class Server(dbus.service.Object):
    def __init__(self, bus, args):
        super().__init__(bus, PATH)
        self.capabilities = [c for c in args.capabilities.split(",") if c]
        self.log_path = args.log
        self.next_id = args.first_id
        self.known = set()

    def log(self, entry):
        if self.log_path:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return self.capabilities

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("checkin-test", "checkin", "1.0", "1.2")

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout):
        if replaces_id != 0 and int(replaces_id) in self.known:
            nid = int(replaces_id)
        else:
            nid = self.next_id
            self.next_id += 1
            self.known.add(nid)
        self.log({
            "method": "Notify", "id": nid, "app_name": str(app_name), "replaces_id": int(replaces_id),
            "app_icon": str(app_icon), "summary": str(summary), "body": str(body),
            "actions": [str(a) for a in actions],
            "hints": {str(k): plain(v) for k, v in hints.items()},
            "hint_types": {str(k): signature(v) for k, v in hints.items()},
            "expire_timeout": int(expire_timeout),
        })
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.log({"method": "CloseNotification", "id": int(nid)})
        if int(nid) in self.known:
            self.NotificationClosed(nid, 3)

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, action):
        pass

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.signal(IFACE, signature="us")
    def NotificationReplied(self, nid, text):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--capabilities", default="actions,body,inline-reply")
    parser.add_argument("--log")
    parser.add_argument("--first-id", type=int, default=1)
    args = parser.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(args.address)
    server = Server(bus, args)
    name = dbus.service.BusName(NAME, bus, do_not_queue=True)
    loop = GLib.MainLoop()

    def run_command(line):
        command = json.loads(line)
        cmd = command["cmd"]
        if cmd == "action":
            server.ActionInvoked(dbus.UInt32(command["id"]), command["action"])
        elif cmd == "close":
            server.NotificationClosed(dbus.UInt32(command["id"]), dbus.UInt32(command.get("reason", 2)))
        elif cmd == "reply":
            server.NotificationReplied(dbus.UInt32(command["id"]), command["text"])
        elif cmd == "quit":
            loop.quit()
        else:
            raise ValueError("unknown command " + cmd)
        return cmd

    scripted_peer.serve(loop, bus, run_command)
    del name


if __name__ == "__main__":
    main()
