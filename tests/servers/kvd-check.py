#!/usr/bin/env python3
"""Drive kvd (tests/servers/kvd) over TCP and check every answer.

    kvd-check.py PORT

Connects to 127.0.0.1:PORT only, with a timeout on every socket operation
and fixed loop counts. Ends with SHUTDOWN, after which kvd exits with
status 0. Exits 0 only if every check passed.
"""
import random
import socket
import sys

from parallel_clients import run_in_threads

TIMEOUT = 30


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.f = self.sock.makefile("rwb")

    def ask(self, line):
        self.f.write(line.encode() + b"\n")
        self.f.flush()
        got = self.f.readline()
        if not got.endswith(b"\n"):
            raise AssertionError("no answer to %r" % line)
        return got[:-1].decode()


def expect(line, got, want):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (line, got, want))


def check(c, line, want):
    expect(line, c.ask(line), want)


def main():
    port = int(sys.argv[1])
    c = Conn(port)
    check(c, "PUT greeting hello, unikernel world", "OK")
    check(c, "GET greeting", "VALUE hello, unikernel world")
    check(c, "HASH greeting", "HASH " + fnv1a64(b"hello, unikernel world"))
    check(c, "GET absent", "MISSING")
    check(c, "FROB x", "ERROR unknown command 'FROB'")
    check(c, "GET", "ERROR GET needs a key")
    check(c, "DEL greeting", "DELETED")
    check(c, "DEL greeting", "MISSING")
    print("kvd-check: commands and errors (C++ exceptions) ok")

    # Several connections, each served by a thread of its own in kvd.
    # QEMU's user networking accepts host connections with a backlog of
    # 1, so they are opened one after the other, each proven accepted.
    threads, rounds = 4, 200
    conns = []
    for _ in range(threads):
        conns.append(Conn(port))
        if not conns[-1].ask("STATS").startswith("STATS keys="):
            raise AssertionError("no STATS answer")

    def worker(n):
        rng = random.Random(n)
        for i in range(rounds):
            key = "t%d-%d" % (n, i % 40)
            value = "%d:%d:" % (n, i) + "".join(rng.choice("abcdefgh ") for _ in range(rng.randrange(80)))
            check(conns[n], "PUT %s %s" % (key, value), "OK")
            check(conns[n], "GET " + key, "VALUE " + value)
            check(conns[n], "HASH " + key, "HASH " + fnv1a64(value.encode()))

    run_in_threads(worker, threads, TIMEOUT * 4)
    print("kvd-check: %d connections x %d PUT/GET/HASH ok" % (threads, rounds))

    stats = c.ask("STATS")
    expect("STATS", stats, "STATS keys=%d connections=%d version=1.0" % (threads * 40, threads + 1))
    print("kvd-check: " + stats)
    for x in conns:
        x.sock.close()
    check(c, "SHUTDOWN", "BYE")
    print("kvd-check: all checks passed")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, OSError) as e:
        print("kvd-check: FAILED: %s" % e)
        sys.exit(1)
