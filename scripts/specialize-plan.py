#!/usr/bin/env python3
"""Decide what a specialized UKL kernel keeps, from what the program needs.

    specialize-plan.py --table syscall_64.tbl --map kernel/specialize.map
        --program SCAN --init SCAN [--helper NAME=SCAN ...]
        [--keep NAME,...] --base CONFIG --out DIR

The SCAN files are specialize-scan.py's output for the program, ukl-init
and each helper program in the image. --base is the generic kernel's
config fragment (kernel/ukl-vm.config): only what it turns on can be turned
off. Writes into DIR:

    fragment.config  the options turned off, for build-kernel.sh --fragment
    kept.S           the program's system calls as a bitmap
                     (__ukl_kept_syscalls) and every call's name
                     (__ukl_syscall_names), for runtime/specialize/refuse.c
    report.txt       what was kept and dropped, and why
"""

import argparse
import os
import sys

LIMIT = 512
FAMILIES = {1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET"}


def read_table(path):
    names = {}
    for line in open(path):
        f = line.split()
        if len(f) >= 3 and not line.startswith("#") and f[1] in ("common", "64"):
            names[int(f[0])] = f[2]
    return names


class Scan:
    """One program's scan: numbers by function, unknown sites, families."""

    def __init__(self, path):
        self.numbers = {}        # number -> [functions]
        self.unknown = []        # (function, why)
        self.families = set()
        self.families_unknown = []
        self.socket_callers = False
        self.dead = []           # functions with call sites that cannot run
        for line in open(path):
            f = line.rstrip("\n").split("\t")
            if f[0] == "dead" and len(f) >= 3:
                self.dead = f[2].split()
            if f[0] in ("site", "approx") and len(f) >= 3:
                for n in f[2].split():
                    self.numbers.setdefault(int(n), []).append(
                        f[1] + (" (approximate)" if f[0] == "approx" else ""))
            elif f[0] == "clock" and len(f) >= 3:
                self.numbers.setdefault(int(f[2]), []).append(f[1])
            elif f[0] == "unknown":
                self.unknown.append((f[1], f[2] if len(f) > 2 else ""))
            elif f[0] == "arg" and len(f) >= 3:
                self.families |= {int(v) for v in f[2].split()}
                if f[2].split():
                    self.socket_callers = True
                if len(f) > 3 and f[3].strip():
                    self.families_unknown += f[3].split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--init", required=True)
    ap.add_argument("--helper", action="append", default=[])
    ap.add_argument("--keep", default="")
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    names = read_table(a.table)
    numbers = {v: k for k, v in names.items()}
    prog = Scan(a.program)
    init = Scan(a.init)
    helpers = [(h.split("=", 1)[0], Scan(h.split("=", 1)[1])) for h in a.helper]

    keep = [k for k in a.keep.replace(",", " ").split() if k]
    words = set()
    for line in open(a.map):
        words |= {w[5:] for w in line.split("#", 1)[0].split() if w.startswith("keep:")}
    kept_words = set()
    for k in keep:
        if k in words:
            kept_words.add(k)
        elif k in numbers:
            prog.numbers.setdefault(numbers[k], []).append("--specialize-keep")
        else:
            sys.exit(f"ukl-gcc: --specialize-keep: {k} is neither an x86-64 system call "
                     f"nor one of: {', '.join(sorted(words))}")

    # What the program (and helpers) can call, and what the kernel must
    # answer for anyone in the image.
    own = set(prog.numbers)
    for _, h in helpers:
        own |= set(h.numbers)
    every = own | set(init.numbers)

    # Socket families: the program's and the helpers'.
    families = set(prog.families)
    unsure = list(prog.families_unknown)
    for name, h in helpers:
        families |= h.families
        unsure += h.families_unknown
    for who, s in [("the program", prog)] + [(n, h) for n, h in helpers]:
        # socket() reached without a call of glibc's socket (syscall())
        if (numbers["socket"] in s.numbers or numbers["socketpair"] in s.numbers) \
                and not s.socket_callers:
            unsure.append(who)
    any_family = bool(unsure)

    base = {}
    for line in open(a.base):
        line = line.strip()
        if line.startswith("CONFIG_") and "=" in line:
            k, v = line.split("=", 1)
            base[k] = v

    kept_rules, dropped_rules = [], []
    for line in open(a.map):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        options, needs = line[0].split(","), line[1:]
        met = []
        for need in needs:
            if need.startswith("af:"):
                fam = int(need[3:])
                if any_family:
                    met.append(f"a socket of a family the analysis cannot tell "
                               f"({', '.join(sorted(set(unsure)))})")
                elif fam in families:
                    met.append(f"{FAMILIES.get(fam, fam)} sockets")
            elif need.startswith("keep:"):
                if need[5:] in kept_words:
                    met.append(f"--specialize-keep={need[5:]}")
            elif need.startswith("program:"):
                n = numbers.get(need[8:])
                if n in own:
                    met.append(need[8:])
            else:
                n = numbers.get(need)
                if n is None:
                    sys.exit(f"specialize.map: {need} is not an x86-64 system call")
                if n in every:
                    met.append(need + ("" if n in own else " (ukl-init)"))
        live = [o for o in options if base.get(o, "n") != "n"]
        if not live:
            continue
        (kept_rules if met else dropped_rules).append((live, met, needs))

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "fragment.config"), "w") as f:
        f.write("# ukl-gcc --specialize: off, as the program does not need them\n")
        for live, _, _ in sorted(dropped_rules):
            for o in live:
                f.write(f"{o}=n\n")

    bits = [0] * (LIMIT // 64)
    for n in prog.numbers:
        if n < LIMIT:
            bits[n // 64] |= 1 << (n % 64)
    with open(os.path.join(a.out, "kept.S"), "w") as f:
        f.write('\t.section .rodata.ukl,"a"\n\t.balign 8\n')
        f.write("\t.globl __ukl_kept_syscalls\n__ukl_kept_syscalls:\n")
        for w in bits:
            f.write(f"\t.quad {w:#x}\n")
        f.write("\t.globl __ukl_syscall_names\n__ukl_syscall_names:\n")
        for n in range(LIMIT):
            f.write(f"\t.quad .Lname{n}\n" if n in names else "\t.quad 0\n")
        for n in sorted(names):
            f.write(f'.Lname{n}:\t.asciz "{names[n]}"\n')
        f.write('\t.section .note.GNU-stack,"",@progbits\n')

    def call_list(nums):
        return ", ".join(f"{names.get(n, '?')}" for n in sorted(nums))

    r = []
    r.append("UKL kernel specialization report (ukl-gcc --specialize)")
    r.append("")
    r.append(f"The program can make {len(prog.numbers)} system calls; "
             f"every other call returns ENOSYS and names itself on the console:")
    r.append("  " + call_list(prog.numbers))
    r.append("")
    r.append(f"ukl-init (a normal process) adds for the kernel: "
             f"{call_list(set(init.numbers) - own) or 'nothing'}")
    for name, h in helpers:
        r.append(f"helper {name} (a normal process): {len(h.numbers)} calls")
    fam = ", ".join(FAMILIES.get(x, str(x)) for x in sorted(families)) or "none"
    r.append(f"socket families: {'any (see below)' if any_family else fam}")
    r.append("")
    r.append("Kernel options turned off:")
    for live, _, needs in dropped_rules:
        r.append(f"  {', '.join(live)}: nothing makes {' '.join(needs)}")
    if not dropped_rules:
        r.append("  none")
    r.append("Kernel options kept:")
    for live, met, _ in kept_rules:
        r.append(f"  {', '.join(live)}: needed by {', '.join(met[:4])}"
                 + (f" and {len(met) - 4} more" if len(met) > 4 else ""))
    r.append("")
    if prog.unknown:
        r.append("Sites whose call number the analysis could not work out (a call "
                 "outside the set above returns ENOSYS there):")
        counts = {}
        for site in prog.unknown:
            counts[site] = counts.get(site, 0) + 1
        for (fn, why), n in sorted(counts.items()):
            r.append(f"  {fn}: {why}" + (f" ({n} sites)" if n > 1 else ""))
    else:
        r.append("Every system call site of the program has a known number.")
    if prog.dead:
        r.append("")
        r.append(f"Linked in but unreachable from _start, so not counted: the system "
                 f"calls of {len(prog.dead)} functions:")
        r.append("  " + ", ".join(prog.dead))
    r.append("")
    r.append("Where each call comes from (first functions):")
    for n in sorted(prog.numbers):
        where = sorted(set(prog.numbers[n]))
        r.append(f"  {names.get(n, n)}: {', '.join(where[:3])}"
                 + (f" and {len(where) - 3} more" if len(where) > 3 else ""))
    with open(os.path.join(a.out, "report.txt"), "w") as f:
        f.write("\n".join(r) + "\n")


if __name__ == "__main__":
    sys.exit(main())
