"""The command channel the scripted D-Bus peers share: one command per stdin line, each answered
on stdout with "OK <name>" (or "ERROR <text>"), "READY <unique-name>" once serving; stdin EOF
or a command that quits the loop ends it."""
import os
import sys

from gi.repository import GLib


def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def serve(loop, bus, run_command):
    """Runs `loop`, handing each stdin line to `run_command(line)`, which returns the name to
    acknowledge or raises (reported, and serving goes on)."""
    buffer = b""

    def handle(line):
        try:
            name = run_command(line)
            bus.flush()
            say("OK " + name)
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
