#!/usr/bin/python3
"""Runs a command on a pseudo-terminal and answers its prompts, as a person at a terminal would.

usage: pty_run.py ANSWERS_JSON COMMAND [ARG...]

ANSWERS_JSON is a list of strings. Each is typed (followed by Enter) once the program has printed a
prompt, i.e. its output so far ends in ": "; the string "<EOF>" types Ctrl-D instead. The transcript of
the terminal (what the program printed plus the echo of what was typed, CRLF turned into LF) goes to
stdout, and the exit status is the command's. Gives up after 20 seconds (status 124).
"""
import json
import os
import pty
import select
import signal
import sys
import time


def main():
    answers = json.loads(sys.argv[1])
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    transcript = b""
    answered_at = -1
    deadline = time.monotonic() + 20
    while True:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.write(transcript.decode(errors="replace").replace("\r\n", "\n"))
            sys.exit(124)
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the program has exited and closed the terminal
                break
            if not chunk:
                break
            transcript += chunk
        if answers and transcript.endswith(b": ") and len(transcript) > answered_at:
            answer = answers.pop(0)
            os.write(fd, b"\x04" if answer == "<EOF>" else answer.encode() + b"\n")
            answered_at = len(transcript)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(transcript.decode(errors="replace").replace("\r\n", "\n"))
    sys.exit(os.waitstatus_to_exitcode(status))


main()
