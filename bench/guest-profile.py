#!/usr/bin/env python3
"""Sampling profile of a guest: where its first vCPU is, by kernel symbol.

  guest-profile.py [-i MS] [-t SECONDS] SOCKET SYMBOLS

SOCKET is a QEMU monitor socket, e.g. from
  UKL_QEMU_ARGS="-monitor unix:/tmp/m.sock,server,nowait" bin/ukl run ...
SYMBOLS is the image (a UKL image, or the kernel of a --userspace run).

Every MS milliseconds (default 5) it asks the monitor for the registers and
keeps the instruction pointer, until QEMU exits or SECONDS (default 30)
have passed. It prints one line per symbol, most samples first; "idle"
counts the HLT of the idle loop (the guest had nothing to do), and "user"
any address outside the kernel (a normal process's own code).

The monitor stops the vCPU for a moment at every sample, so this shows
where the guest spends its instructions, not exact times.
"""
import argparse
import bisect
import collections
import re
import socket
import subprocess
import sys
import time

IDLE = {"native_safe_halt", "default_idle", "arch_safe_halt"}


def read_symbols(path):
    out = subprocess.run(["nm", "-n", path], capture_output=True, text=True,
                         check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16), parts[2]))
    return syms


def symbol_of(syms, addrs, pc):
    if pc < 0xffff800000000000:
        return "user"
    i = bisect.bisect_right(addrs, pc) - 1
    if i < 0:
        return "unknown"
    name = syms[i][1]
    return "idle" if name in IDLE else name


class Monitor:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.sock.settimeout(10)
        self.buf = b""

    def instruction_pointer(self):
        """The first vCPU's RIP (or EIP, in 32-bit firmware code)."""
        self.sock.sendall(b"info registers\n")
        while not (re.search(rb"[RE]IP=", self.buf) and
                   self.buf.rstrip().endswith(b"(qemu)")):
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        match = re.search(rb"[RE]IP=([0-9a-f]+)", self.buf)
        self.buf = b""
        return int(match.group(1), 16)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-i", type=float, default=5, help="milliseconds between samples")
    ap.add_argument("-t", type=float, default=30, help="seconds to sample at most")
    ap.add_argument("socket")
    ap.add_argument("symbols")
    args = ap.parse_args()

    syms = read_symbols(args.symbols)
    addrs = [a for a, _ in syms]
    deadline = time.monotonic() + args.t
    for _ in range(500):	# wait up to 5 s for QEMU to create the socket
        try:
            mon = Monitor(args.socket)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            time.sleep(0.01)
    else:
        sys.exit(f"guest-profile: no QEMU monitor at {args.socket}")

    counts = collections.Counter()
    try:
        while time.monotonic() < deadline:
            counts[symbol_of(syms, addrs, mon.instruction_pointer())] += 1
            time.sleep(args.i / 1000)
    except (EOFError, OSError):
        pass	# QEMU exited
    total = sum(counts.values())
    if total == 0:
        sys.exit("guest-profile: no samples")
    print(f"{total} samples")
    for name, n in counts.most_common(40):
        print(f"{100 * n / total:6.1f}%  {n:6d}  {name}")


if __name__ == "__main__":
    main()
