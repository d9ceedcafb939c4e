#!/usr/bin/env python3
"""Talk to memcached over its text protocol and check every answer.

    memcached-check.py PORT [--shutdown]

Connects to 127.0.0.1:PORT only. Every socket operation has a timeout and
every loop a fixed count, so a stuck server ends the check instead of
hanging it. Prints one line per group of checks and exits 0 only if all
passed; with --shutdown, ends by asking the server to exit (memcached -A).
"""
import random
import socket
import sys

from parallel_clients import run_in_threads

TIMEOUT = 30  # seconds for any one socket operation


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.f = self.sock.makefile("rwb")

    def send(self, data):
        self.f.write(data)
        self.f.flush()

    def line(self):
        got = self.f.readline()
        if not got.endswith(b"\r\n"):
            raise AssertionError("connection closed or line cut: %r" % got)
        return got[:-2]

    def cmd(self, command):
        """Send one command line, return the one line answering it."""
        self.send(command + b"\r\n")
        return self.line()

    def store(self, verb, key, value, flags=0, extra=b""):
        head = b"%s %s %d 0 %d%s" % (verb, key, flags, len(value), extra)
        return self.cmd(head + b"\r\n" + value)

    def get_many(self, verb, keys):
        """{key: (flags, value, cas or None)} for the keys the server has."""
        self.send(verb + b" " + b" ".join(keys) + b"\r\n")
        found = {}
        for _ in range(len(keys) + 1):
            head = self.line().split(b" ")
            if head == [b"END"]:
                return found
            if head[0] != b"VALUE":
                raise AssertionError("unexpected %r" % head)
            size = int(head[3])
            data = self.f.read(size + 2)
            if len(data) != size + 2 or not data.endswith(b"\r\n"):
                raise AssertionError("short value for %r" % head[1])
            cas = int(head[4]) if len(head) > 4 else None
            found[head[1]] = (int(head[2]), data[:-2], cas)
        raise AssertionError("no END after %d values" % len(keys))


def expect(what, got, want):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def basic(port):
    c = Conn(port)
    version = c.cmd(b"version")
    if not version.startswith(b"VERSION 1.6."):
        raise AssertionError("version: %r" % version)
    expect("set", c.store(b"set", b"greeting", b"hello world", flags=42), b"STORED")
    expect("get", c.get_many(b"get", [b"greeting"]), {b"greeting": (42, b"hello world", None)})
    expect("add existing", c.store(b"add", b"greeting", b"x"), b"NOT_STORED")
    expect("append", c.store(b"append", b"greeting", b"!"), b"STORED")
    expect("prepend", c.store(b"prepend", b"greeting", b">"), b"STORED")
    expect("get after append", c.get_many(b"get", [b"greeting"])[b"greeting"][1], b">hello world!")
    expect("replace missing", c.store(b"replace", b"nokey", b"x"), b"NOT_STORED")
    expect("set counter", c.store(b"set", b"counter", b"40"), b"STORED")
    expect("incr", c.cmd(b"incr counter 3"), b"43")
    expect("decr", c.cmd(b"decr counter 1"), b"42")
    expect("incr missing", c.cmd(b"incr nocounter 1"), b"NOT_FOUND")
    # compare-and-swap: a stale unique value is refused
    cas = c.get_many(b"gets", [b"counter"])[b"counter"][2]
    expect("cas", c.store(b"cas", b"counter", b"100", extra=b" %d" % cas), b"STORED")
    expect("stale cas", c.store(b"cas", b"counter", b"200", extra=b" %d" % cas), b"EXISTS")
    expect("delete", c.cmd(b"delete greeting"), b"DELETED")
    expect("delete again", c.cmd(b"delete greeting"), b"NOT_FOUND")
    expect("get deleted", c.get_many(b"get", [b"greeting"]), {})
    print("memcached-check: basic commands ok (%s)" % version.decode())


def multiget(port):
    c = Conn(port)
    rng = random.Random(1)
    want = {}
    for i in range(300):
        key = b"multi:%d" % i
        value = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        expect("set " + key.decode(), c.store(b"set", key, value), b"STORED")
        want[key] = (0, value, None)
    got = c.get_many(b"get", list(want) + [b"multi:absent"])
    expect("multi-get of 300 keys", got, want)
    print("memcached-check: 300 binary values and one multi-get ok")


def large(port):
    c = Conn(port)
    rng = random.Random(2)
    for size in (1, 1000, 100_000, 500_000):
        value = bytes(rng.randrange(256) for _ in range(size))
        expect("set %d bytes" % size, c.store(b"set", b"large", value), b"STORED")
        expect("get %d bytes" % size, c.get_many(b"get", [b"large"])[b"large"][1], value)
    print("memcached-check: values up to 500000 bytes ok")


def parallel(port, threads=4, rounds=250):
    # QEMU's user networking listens on the host with a backlog of 1: more
    # than two connections that it has not accepted yet lose their SYN and
    # wait a second or more to retry. So connect one at a time, each
    # proven accepted by an answer, and only then load them all at once.
    conns = []
    for _ in range(threads):
        c = Conn(port)
        expect("version", c.cmd(b"version")[:8], b"VERSION ")
        conns.append(c)

    def worker(n):
        c = conns[n]
        rng = random.Random(100 + n)
        for i in range(rounds):
            key = b"t%d:%d" % (n, i % 50)
            value = b"%d-%d-" % (n, i) + bytes(rng.randrange(97, 123) for _ in range(rng.randrange(100)))
            expect("parallel set", c.store(b"set", key, value), b"STORED")
            expect("parallel get", c.get_many(b"get", [key])[key][1], value)

    run_in_threads(worker, threads, TIMEOUT * 4)
    print("memcached-check: %d connections x %d set/get pairs ok" % (threads, rounds))


def stats(port):
    c = Conn(port)
    c.send(b"stats\r\n")
    values = {}
    for _ in range(200):
        line = c.line()
        if line == b"END":
            break
        _, name, value = line.split(b" ", 2)
        values[name.decode()] = value.decode()
    for name in ("pid", "threads", "curr_connections", "cmd_get", "cmd_set", "curr_items"):
        if name not in values:
            raise AssertionError("stats has no %s" % name)
    if int(values["cmd_set"]) < 1300:
        raise AssertionError("stats counted only %s sets" % values["cmd_set"])
    print("memcached-check: stats ok: threads=%s cmd_set=%s cmd_get=%s curr_items=%s"
          % (values["threads"], values["cmd_set"], values["cmd_get"], values["curr_items"]))


def main():
    port = int(sys.argv[1])
    for check in (basic, multiget, large, parallel, stats):
        check(port)
    if "--shutdown" in sys.argv[2:]:
        c = Conn(port)
        c.send(b"shutdown\r\n")
        # the server closes the connection as it exits
        rest = c.f.read()
        expect("after shutdown", rest, b"")
        print("memcached-check: shutdown sent")
    print("memcached-check: all checks passed")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, OSError) as e:
        print("memcached-check: FAILED: %s" % e)
        sys.exit(1)
