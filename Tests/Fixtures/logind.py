#!/usr/bin/python3
"""A fake logind for tests: owns org.freedesktop.login1 on a private bus and emits
org.freedesktop.login1.Manager.PrepareForSleep from /org/freedesktop/login1 on command.

Usage: logind.py --address ADDR

Prints "READY <unique-name>" on stdout once it owns the name. Commands, one per stdin line:
  sleep    -> PrepareForSleep(true)   (the machine is about to suspend)
  resume   -> PrepareForSleep(false)  (it has resumed)
  quit     -> exit 0 (also on stdin EOF)
Each command is acknowledged with "OK <cmd>" once the signal was written to the bus
(or "ERROR <text>").

It must own the name because the daemon's match rule filters on sender=org.freedesktop.login1:
a signal emitted by any other connection (busctl emit, say) is not delivered to it.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scripted_peer  # noqa: E402

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.login1"
PATH = "/org/freedesktop/login1"
IFACE = "org.freedesktop.login1.Manager"


class Manager(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, PATH)

    @dbus.service.signal(IFACE, signature="b")
    def PrepareForSleep(self, start):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    args = parser.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(args.address)
    manager = Manager(bus)
    name = dbus.service.BusName(NAME, bus, do_not_queue=True)
    loop = GLib.MainLoop()

    def run_command(line):
        cmd = line.strip()
        if cmd == "sleep":
            manager.PrepareForSleep(dbus.Boolean(True))
        elif cmd == "resume":
            manager.PrepareForSleep(dbus.Boolean(False))
        elif cmd == "quit":
            loop.quit()
        else:
            raise ValueError("unknown command " + cmd)
        return cmd

    scripted_peer.serve(loop, bus, run_command)
    del name


if __name__ == "__main__":
    main()
