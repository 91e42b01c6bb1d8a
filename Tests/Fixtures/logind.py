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
    buffer = b""

    def say(text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def handle(line):
        try:
            cmd = line.strip()
            if cmd == "sleep":
                manager.PrepareForSleep(dbus.Boolean(True))
            elif cmd == "resume":
                manager.PrepareForSleep(dbus.Boolean(False))
            elif cmd == "quit":
                loop.quit()
            else:
                raise ValueError("unknown command " + cmd)
            bus.flush()
            say("OK " + cmd)
        except Exception as error:  # report, keep serving
            say("ERROR %s" % error)

    def on_stdin(fd, condition):
        nonlocal buffer
        data = os.read(fd, 4096)
        if not data:
            loop.quit()
            return False
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                handle(line.decode())
        return True

    GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP, on_stdin)
    say("READY " + bus.get_unique_name())
    loop.run()
    del name


if __name__ == "__main__":
    main()
