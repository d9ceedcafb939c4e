#!/usr/bin/env python3
"""The tables of "ukl bench specialize" (scripts/bench-specialize.sh).

    specialize-summary.py [--last] WORK "PROGRAMS" LEAST_GENERIC LEAST_SPEC

WORK holds, for each program P and V in generic, spec: P.V (the ELF
image), P.V.bz (its bzImage), P.V.times (boot-timer lines), P.V.console (a
verbose boot), and syscall.V.out (syscall-bench under -icount). --last
prints only the closing line of ratios.
"""
import os
import re
import statistics
import sys

MEMORY = re.compile(r"Memory: (\d+)K/(\d+)K available \((\d+)K kernel code, (\d+)K rwdata, "
                    r"(\d+)K rodata, (\d+)K init, (\d+)K bss, (\d+)K reserved")


def mib(path):
    return os.path.getsize(path) / 2**20


def boot(work, p, v):
    rows = [dict(kv.split("=") for kv in line.split())
            for line in open(f"{work}/{p}.{v}.times")]
    return statistics.median(float(r["main_s"]) for r in rows)


def memory(work, p, v):
    with open(f"{work}/{p}.{v}.console", errors="replace") as f:
        m = MEMORY.search(f.read())
    if not m:
        sys.exit(f"specialize-summary: no Memory: line in {work}/{p}.{v}.console")
    avail, total, code, rw, ro, init, bss, reserved = map(int, m.groups())
    return {"image": code + rw + ro + bss, "reserved": reserved, "init": init}


def syscalls(path):
    out = {}
    for line in open(path):
        m = re.match(r"syscall (\S+) ns=([\d.]+)", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def main():
    args = sys.argv[1:]
    last = args and args[0] == "--last"
    if last:
        args = args[1:]
    work, programs, least_g, least_s = args[0], args[1].split(), args[2], args[3]
    r = lambda a, b: f"{a / b:.2f}" if b else "-"
    if last:
        e = "echo"
        print(f"specialize spec/generic: echo bzImage={r(mib(f'{work}/{e}.spec.bz'), mib(f'{work}/{e}.generic.bz'))} "
              f"elf={r(mib(f'{work}/{e}.spec'), mib(f'{work}/{e}.generic'))} "
              f"boot={r(boot(work, e, 'spec'), boot(work, e, 'generic'))}")
        return
    print(f"{'':<30} {'generic':>9} {'special.':>9} {'ratio':>6}")
    for p in programs:
        print(f"{p}:")
        rows = [("ELF image (MiB)", mib(f"{work}/{p}.generic"), mib(f"{work}/{p}.spec"), 2),
                ("bzImage (MiB)", mib(f"{work}/{p}.generic.bz"), mib(f"{work}/{p}.spec.bz"), 2),
                ("boot to main (median s)", boot(work, p, "generic"), boot(work, p, "spec"), 3)]
        mg, ms = memory(work, p, "generic"), memory(work, p, "spec")
        rows += [("kernel code+data+bss (KiB)", mg["image"], ms["image"], 0),
                 ("memory reserved (KiB)", mg["reserved"], ms["reserved"], 0)]
        for label, g, s, d in rows:
            print(f"  {label:<28} {g:>9.{d}f} {s:>9.{d}f} {r(s, g):>6}")
    print(f"least memory hello runs in: generic {least_g} MiB, specialized {least_s} MiB")
    g, s = syscalls(f"{work}/syscall.generic.out"), syscalls(f"{work}/syscall.spec.out")
    print("instructions per call (QEMU -icount):")
    print(f"  {'call':<20} {'generic':>9} {'special.':>9} {'ratio':>6}")
    for name in g:
        if name in s:
            print(f"  {name:<20} {g[name]:>9.1f} {s[name]:>9.1f} {r(s[name], g[name]):>6}")


if __name__ == "__main__":
    main()
