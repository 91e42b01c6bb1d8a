#!/usr/bin/python3
"""Scripted activity and do-not-disturb services for tests: plays ONE role on a private bus.

Usage: activity_services.py --address ADDR --role ROLE [--idle-ms N] [--active] [--mako-legacy]

Roles (bus name, object path, interface — as the real servers have them):
  mutter            org.gnome.Mutter.IdleMonitor  /org/gnome/Mutter/IdleMonitor/Core
                    GetIdletime()->t, AddIdleWatch(t)->u, AddUserActiveWatch()->u, RemoveWatch(u),
                    signal WatchFired(u)
  gnome-screensaver org.gnome.ScreenSaver  /org/gnome/ScreenSaver: GetActive()->b, ActiveChanged(b)
  fdo-screensaver   org.freedesktop.ScreenSaver  /org/freedesktop/ScreenSaver: GetActive()->b,
                    GetSessionIdleTime()->u, ActiveChanged(b)
  logind            org.freedesktop.login1 (use the bus standing in for the system bus): Manager
                    GetSession(s)->o, PrepareForSleep(b); Session at /org/freedesktop/login1/session/_32
                    with IdleHint, IdleSinceHint, LockedHint (Properties.Get/GetAll, PropertiesChanged)
  kde               org.freedesktop.Notifications  /org/freedesktop/Notifications
                    org.freedesktop.Notifications.Inhibited (b)
  dunst             same name and path, org.dunstproject.cmd0.paused (b), pauseLevel (u)
  mako              same name, /fr/emersion/Mako, fr.emersion.Mako: Modes (as, invalidated on change),
                    ListModes()->as; --mako-legacy: no Modes property and no signal (mako < 1.10)
  swaync            org.erikreider.swaync.cc  /org/erikreider/swaync/cc: GetDnd()->b,
                    IsInhibited()->b, signal SubscribeV2(ubbb)

Prints "READY <unique-name>" once it owns its name, then "CALL <Method>" for every method call.
Commands, one JSON object per stdin line, each acknowledged "OK <cmd>" (or "ERROR <text>"):
  {"cmd":"idle","ms":N}          mutter: idle time N, fire idle watches
  {"cmd":"idle","since_us":N}    logind: IdleHint true, IdleSinceHint N
  {"cmd":"active"}               mutter: fire (and drop) user-active watches; logind: IdleHint false
  {"cmd":"lock"} / {"cmd":"unlock"}   screen savers: ActiveChanged; logind: LockedHint
  {"cmd":"sleep"} / {"cmd":"resume"}  logind: PrepareForSleep(true/false)
  {"cmd":"dnd","on":true}        DND roles: change the state and announce it as the server does
  {"cmd":"flap","count":1000,"final":true}  toggle the role's main state count times in a burst,
                                 then set `final` (lock state; DND state; mutter: fire idle watches)
  {"cmd":"garbage"}              send the role's signals with wrong types / wrong signatures
  {"cmd":"vanish"} / {"cmd":"appear"}  release / take the bus name again
  {"cmd":"quit"}                 exit 0 (also on stdin EOF)
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scripted_peer  # noqa: E402

import dbus
import dbus.exceptions
import dbus.lowlevel
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

PROPS = "org.freedesktop.DBus.Properties"
SESSION_PATH = "/org/freedesktop/login1/session/_32"
NAMES = {
    "mutter": "org.gnome.Mutter.IdleMonitor",
    "gnome-screensaver": "org.gnome.ScreenSaver",
    "fdo-screensaver": "org.freedesktop.ScreenSaver",
    "logind": "org.freedesktop.login1",
    "kde": "org.freedesktop.Notifications",
    "dunst": "org.freedesktop.Notifications",
    "mako": "org.freedesktop.Notifications",
    "swaync": "org.erikreider.swaync.cc",
}


def call(name):
    scripted_peer.say("CALL " + name)


def emit(bus, path, iface, member, signature=None, *args):
    """Any signal with any signature: how garbage gets onto the bus."""
    msg = dbus.lowlevel.SignalMessage(path, iface, member)
    if signature:
        msg.append(*args, signature=signature)
    bus.send_message(msg)


def properties_changed(bus, path, iface, changed, invalidated=()):
    emit(bus, path, PROPS, "PropertiesChanged", "sa{sv}as", iface,
         dbus.Dictionary(changed, signature="sv"), dbus.Array(list(invalidated), signature="s"))


class PropObject(dbus.service.Object):
    """An object whose org.freedesktop.DBus.Properties serves self.props {iface: {name: value}}."""

    def __init__(self, bus, path, props):
        super().__init__(bus, path)
        self.props = props

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, iface, name):
        call("Get " + name)
        try:
            return self.props[iface][name]
        except KeyError:
            raise dbus.exceptions.DBusException(
                "no property %s.%s" % (iface, name), name="org.freedesktop.DBus.Error.UnknownProperty")

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        call("GetAll " + iface)
        return dbus.Dictionary(self.props.get(iface, {}), signature="sv")


class Mutter(dbus.service.Object):
    IFACE = "org.gnome.Mutter.IdleMonitor"
    PATH = "/org/gnome/Mutter/IdleMonitor/Core"

    def __init__(self, bus, idle_ms):
        super().__init__(bus, self.PATH)
        self.bus = bus
        self.idle_ms = idle_ms
        self.watches = {}  # id -> "idle" | "active"
        self.next_id = 1

    def add(self, kind):
        wid = self.next_id
        self.next_id += 1
        self.watches[wid] = kind
        return dbus.UInt32(wid)

    @dbus.service.method(IFACE, in_signature="", out_signature="t")
    def GetIdletime(self):
        call("GetIdletime")
        return dbus.UInt64(self.idle_ms)

    @dbus.service.method(IFACE, in_signature="t", out_signature="u")
    def AddIdleWatch(self, interval):
        call("AddIdleWatch")
        return self.add("idle")

    @dbus.service.method(IFACE, in_signature="", out_signature="u")
    def AddUserActiveWatch(self):
        call("AddUserActiveWatch")
        return self.add("active")

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def RemoveWatch(self, wid):
        call("RemoveWatch")
        self.watches.pop(int(wid), None)

    def fire(self, kind):
        for wid, k in list(self.watches.items()):
            if k == kind:
                emit(self.bus, self.PATH, self.IFACE, "WatchFired", "u", dbus.UInt32(wid))
                if kind == "active":
                    del self.watches[wid]  # user-active watches are one-shot

    def run(self, c):
        cmd = c["cmd"]
        if cmd == "idle":
            self.idle_ms = c.get("ms", 1000)
            self.fire("idle")
        elif cmd == "active":
            self.idle_ms = 0
            self.fire("active")
        elif cmd == "flap":
            for _ in range(c.get("count", 1000)):
                self.fire("idle")
        elif cmd == "garbage":
            emit(self.bus, self.PATH, self.IFACE, "WatchFired", "s", "oops")
            emit(self.bus, self.PATH, self.IFACE, "WatchFired")
            emit(self.bus, self.PATH, self.IFACE, "WatchFired", "u", dbus.UInt32(4242))  # not a watch of ours
        else:
            return False
        return True


def screensaver_class(iface):
    class ScreenSaver(dbus.service.Object):
        def __init__(self, bus, path, freedesktop):
            super().__init__(bus, path)
            self.bus = bus
            self.path = path
            self.active = False
            self.freedesktop = freedesktop

        @dbus.service.method(iface, in_signature="", out_signature="b")
        def GetActive(self):
            call("GetActive")
            return dbus.Boolean(self.active)

        @dbus.service.method(iface, in_signature="", out_signature="u")
        def GetSessionIdleTime(self):
            call("GetSessionIdleTime")
            return dbus.UInt32(42)

        def changed(self, active):
            self.active = active
            emit(self.bus, self.path, iface, "ActiveChanged", "b", dbus.Boolean(active))

        def run(self, c):
            cmd = c["cmd"]
            if cmd in ("lock", "unlock"):
                self.changed(cmd == "lock")
            elif cmd == "flap":
                for i in range(c.get("count", 1000)):
                    self.changed(i % 2 == 0)
                self.changed(bool(c.get("final", True)))
            elif cmd == "garbage":
                emit(self.bus, self.path, iface, "ActiveChanged", "s", "yes")
                emit(self.bus, self.path, iface, "ActiveChanged", "u", dbus.UInt32(5))
                emit(self.bus, self.path, iface, "ActiveChanged")
            else:
                return False
            return True
    return ScreenSaver


class LogindManager(dbus.service.Object):
    IFACE = "org.freedesktop.login1.Manager"
    PATH = "/org/freedesktop/login1"

    def __init__(self, bus):
        super().__init__(bus, self.PATH)

    @dbus.service.method(IFACE, in_signature="s", out_signature="o")
    def GetSession(self, sid):
        call("GetSession " + sid)
        return dbus.ObjectPath(SESSION_PATH)


class Logind:
    SESSION = "org.freedesktop.login1.Session"

    def __init__(self, bus):
        self.bus = bus
        self.manager = LogindManager(bus)
        self.session = PropObject(bus, SESSION_PATH, {self.SESSION: {
            "Id": dbus.String("32"),
            "User": dbus.Struct((dbus.UInt32(1000), dbus.ObjectPath("/org/freedesktop/login1/user/_1000")), signature="uo"),
            "IdleHint": dbus.Boolean(False),
            "IdleSinceHint": dbus.UInt64(0),
            "IdleSinceHintMonotonic": dbus.UInt64(0),
            "LockedHint": dbus.Boolean(False),
        }})

    def set(self, **values):
        props = self.session.props[self.SESSION]
        props.update(values)
        properties_changed(self.bus, SESSION_PATH, self.SESSION, values)

    def run(self, c):
        cmd = c["cmd"]
        if cmd == "idle":
            self.set(IdleHint=dbus.Boolean(True), IdleSinceHint=dbus.UInt64(c["since_us"]),
                     IdleSinceHintMonotonic=dbus.UInt64(1))
        elif cmd == "active":
            self.set(IdleHint=dbus.Boolean(False), IdleSinceHint=dbus.UInt64(0), IdleSinceHintMonotonic=dbus.UInt64(0))
        elif cmd in ("lock", "unlock"):
            self.set(LockedHint=dbus.Boolean(cmd == "lock"))
        elif cmd in ("sleep", "resume"):
            emit(self.bus, LogindManager.PATH, LogindManager.IFACE, "PrepareForSleep", "b", dbus.Boolean(cmd == "sleep"))
        elif cmd == "flap":
            for i in range(c.get("count", 1000)):
                self.set(LockedHint=dbus.Boolean(i % 2 == 0))
            self.set(LockedHint=dbus.Boolean(bool(c.get("final", True))))
        elif cmd == "garbage":
            properties_changed(self.bus, SESSION_PATH, self.SESSION, {"IdleHint": dbus.String("yes")})
            properties_changed(self.bus, SESSION_PATH, self.SESSION,
                               {"LockedHint": dbus.Struct((dbus.String("x"), dbus.Int32(1)), signature="si")})
            emit(self.bus, SESSION_PATH, PROPS, "PropertiesChanged", "s", self.SESSION)
            emit(self.bus, LogindManager.PATH, LogindManager.IFACE, "PrepareForSleep", "s", "x")
        else:
            return False
        return True


class BoolPropertyDND:
    """KDE (Inhibited) and dunst (paused): the value travels in PropertiesChanged."""

    def __init__(self, bus, iface, prop, extra=None):
        self.bus = bus
        self.iface = iface
        self.prop = prop
        values = {prop: dbus.Boolean(False)}
        values.update(extra or {})
        self.obj = PropObject(bus, "/org/freedesktop/Notifications", {iface: values})

    def set(self, on):
        self.obj.props[self.iface][self.prop] = dbus.Boolean(on)
        properties_changed(self.bus, "/org/freedesktop/Notifications", self.iface, {self.prop: dbus.Boolean(on)})

    def garbage(self):
        properties_changed(self.bus, "/org/freedesktop/Notifications", self.iface, {self.prop: dbus.String("on")})
        properties_changed(self.bus, "/org/freedesktop/Notifications", self.iface, {self.prop: dbus.UInt32(1)})


class MakoObject(PropObject):
    IFACE = "fr.emersion.Mako"

    def __init__(self, bus, legacy):
        self.modes = ["default"]
        super().__init__(bus, "/fr/emersion/Mako", {} if legacy else {self.IFACE: {}})
        self.legacy = legacy
        self.sync()

    def sync(self):
        if not self.legacy:
            self.props[self.IFACE]["Modes"] = dbus.Array(self.modes, signature="s")

    @dbus.service.method("fr.emersion.Mako", in_signature="", out_signature="as")
    def ListModes(self):
        call("ListModes")
        return dbus.Array(self.modes, signature="s")


class Mako:
    def __init__(self, bus, legacy):
        self.bus = bus
        self.obj = MakoObject(bus, legacy)

    def set(self, on):
        self.obj.modes = ["default", "do-not-disturb"] if on else ["default"]
        self.obj.sync()
        if not self.obj.legacy:  # mako >= 1.10 invalidates Modes; older ones say nothing
            properties_changed(self.bus, "/fr/emersion/Mako", MakoObject.IFACE, {}, ["Modes"])

    def garbage(self):
        properties_changed(self.bus, "/fr/emersion/Mako", MakoObject.IFACE, {"Modes": dbus.String("do-not-disturb")})


class SwayncObject(dbus.service.Object):
    IFACE = "org.erikreider.swaync.cc"
    PATH = "/org/erikreider/swaync/cc"

    def __init__(self, bus):
        super().__init__(bus, self.PATH)
        self.bus = bus
        self.dnd = False
        self.inhibited = False

    @dbus.service.method(IFACE, in_signature="", out_signature="b")
    def GetDnd(self):
        call("GetDnd")
        return dbus.Boolean(self.dnd)

    @dbus.service.method(IFACE, in_signature="", out_signature="b")
    def IsInhibited(self):
        call("IsInhibited")
        return dbus.Boolean(self.inhibited)

    def set(self, on):
        self.dnd = on
        emit(self.bus, self.PATH, self.IFACE, "SubscribeV2", "ubbb",
             dbus.UInt32(0), dbus.Boolean(on), dbus.Boolean(False), dbus.Boolean(self.inhibited))

    def garbage(self):
        emit(self.bus, self.PATH, self.IFACE, "SubscribeV2", "ubb", dbus.UInt32(0), dbus.Boolean(True), dbus.Boolean(True))
        emit(self.bus, self.PATH, self.IFACE, "SubscribeV2", "s", "dnd")


class DND:
    def __init__(self, impl):
        self.impl = impl

    def run(self, c):
        cmd = c["cmd"]
        if cmd == "dnd":
            self.impl.set(bool(c["on"]))
        elif cmd == "flap":
            for i in range(c.get("count", 1000)):
                self.impl.set(i % 2 == 0)
            self.impl.set(bool(c.get("final", True)))
        elif cmd == "garbage":
            self.impl.garbage()
        else:
            return False
        return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--role", required=True, choices=sorted(NAMES))
    parser.add_argument("--idle-ms", type=int, default=0)
    parser.add_argument("--active", action="store_true", help="screen savers: start active (locked)")
    parser.add_argument("--mako-legacy", action="store_true")
    args = parser.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(args.address)
    role = args.role
    if role == "mutter":
        player = Mutter(bus, args.idle_ms)
    elif role == "gnome-screensaver":
        player = screensaver_class("org.gnome.ScreenSaver")(bus, "/org/gnome/ScreenSaver", False)
        player.active = args.active
    elif role == "fdo-screensaver":
        player = screensaver_class("org.freedesktop.ScreenSaver")(bus, "/org/freedesktop/ScreenSaver", True)
        player.active = args.active
    elif role == "logind":
        player = Logind(bus)
    elif role == "kde":
        player = DND(BoolPropertyDND(bus, "org.freedesktop.Notifications", "Inhibited"))
    elif role == "dunst":
        player = DND(BoolPropertyDND(bus, "org.dunstproject.cmd0", "paused", {"pauseLevel": dbus.UInt32(0)}))
    elif role == "mako":
        player = DND(Mako(bus, args.mako_legacy))
    else:
        player = DND(SwayncObject(bus))

    name = NAMES[role]
    bus.request_name(name, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    loop = GLib.MainLoop()

    def run_command(line):
        c = json.loads(line)
        cmd = c["cmd"]
        if cmd == "quit":
            loop.quit()
        elif cmd == "vanish":
            bus.release_name(name)
        elif cmd == "appear":
            bus.request_name(name, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        elif not player.run(c):
            raise ValueError("unknown command %s for role %s" % (cmd, role))
        return cmd

    scripted_peer.serve(loop, bus, run_command)


if __name__ == "__main__":
    main()
