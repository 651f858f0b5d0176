#!/usr/bin/env python3
"""Run a shell command in a lab guest through the root shell on its second serial port.

ttyS1 of every lab domain is a unix socket on the host (DOMAIN_DIR/shell.sock), and the guest's
init keeps a non-interactive root sh reading from it. This path does not involve qemu-ga, so tests
can stop, kill or SIGSTOP the agent with it.

Usage: guest-shell.py [--timeout SECONDS] SOCKET COMMAND
Prints the command's output (stdout and stderr together) and exits with its status;
124 on timeout, 125 when the socket cannot be used.

The command travels base64-encoded into a file in the guest and runs in its own `sh` with stdin
from /dev/null, so quoting, syntax errors, `exit` or `cd` cannot disturb the serial shell, and a
command cannot swallow the next request. Output is cut between a begin and an end marker that
carry a random tag. Each marker is only assembled by printf in the guest, so it never appears in
what we send, and output left over from an earlier, timed-out request is ignored.
"""
import argparse
import base64
import fcntl
import os
import re
import secrets
import socket
import sys
import time

CHUNK = 512  # stays far below the 4095-byte line limit of a tty in canonical mode


def build_request(command: str, tag: str) -> bytes:
    script = f"/tmp/.lab-shell-{tag}"
    b64 = base64.b64encode(command.encode()).decode()
    lines = [f": >{script}.b64"]
    for i in range(0, len(b64), CHUNK):
        lines.append(f"echo {b64[i:i + CHUNK]} >>{script}.b64")
    begin = f"printf '%s-%s\\n' LABBEGIN {tag}"
    end = f"printf '%s-%s:%s\\n' LABEND {tag} \"$rc\""
    lines.append(
        f"base64 -d {script}.b64 >{script}; {begin}; "
        f"sh {script} </dev/null 2>&1; rc=$?; rm -f {script} {script}.b64; {end}"
    )
    return ("\n".join(lines) + "\n").encode()


def run(sock_path: str, command: str, timeout: float) -> int:
    tag = secrets.token_hex(8)
    deadline = time.monotonic() + timeout
    # One client at a time: QEMU's socket chardev serves a single connection, and two requests
    # interleaved on one tty would mix their output.
    lock = open(os.path.join(os.path.dirname(os.path.abspath(sock_path)), "shell.lock"), "w")
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                print("guest-shell: timed out waiting for another shell client", file=sys.stderr)
                return 124
            time.sleep(0.05)

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        s.connect(sock_path)
        s.sendall(build_request(command, tag))
    except OSError as e:
        print(f"guest-shell: {sock_path}: {e}", file=sys.stderr)
        return 125

    begin = f"LABBEGIN-{tag}\n".encode()
    end_re = re.compile(rb"LABEND-" + tag.encode() + rb":(\d+)\n")
    buf = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(min(left, 0.5))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            print("guest-shell: the guest closed the connection", file=sys.stderr)
            return 125
        buf += chunk
        m = end_re.search(buf)
        if m:
            start = buf.find(begin)
            out = buf[start + len(begin):m.start()] if start >= 0 else buf[:m.start()]
            sys.stdout.buffer.write(out.replace(b"\r\n", b"\n"))
            sys.stdout.flush()
            return int(m.group(1))
    sys.stderr.write(f"guest-shell: no answer within {timeout:g} s; last output: {buf[-300:]!r}\n")
    return 124


def main() -> int:
    p = argparse.ArgumentParser(description="run a command in a lab guest over its serial shell")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("socket")
    p.add_argument("command")
    a = p.parse_args()
    return run(a.socket, a.command, a.timeout)


if __name__ == "__main__":
    sys.exit(main())
