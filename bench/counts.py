#!/usr/bin/env python3
"""Summaries of the counting plugin's lines (bench/plugin/ukl-count.c),
UKL against the normal process, as per-operation figures and ratios.

  counts.py echo --messages N --ukl COUNTS --process COUNTS
                 [--latency UKL_CSV PROCESS_CSV --wall-ukl CSV... --wall-process CSV...]
      COUNTS holds the "ukl-count" lines of one counted echo run, with
      snapshots "start" and "end" around the client's N measured messages.
      Prints instructions and exits per round trip, and last the line
      "echo cost ukl/process: instructions=R exits=R". With --latency (the
      counted runs' samples) and --wall-ukl/--wall-process (the samples of
      the runs without the plugin), also how much the plugin slowed the
      mean round trip.

  counts.py syscall --ukl COUNTS CONSOLE --process COUNTS CONSOLE
      COUNTS from a run of bench/guest/syscall-bench.c with snapshots at
      begin_new_exec and redirected_tty_write (ukl run --count-at), CONSOLE
      its output. The k-th "syscall NAME" line of the console is written
      at the k-th console write after the program's exec; what was counted
      in between is that measurement (its warm-up, five repetitions and
      the printf of the line before). Prints the counts per call.

exits = mmio + pio + msr + hlt: the accesses and instructions that each
leave the guest under KVM (docs/measuring.md says where that holds).
"""
import argparse
import statistics
import sys

FIELDS = ("insns", "insns_app", "insns_kernel", "insns_idle", "insns_user",
          "mmio", "pio", "msr", "hlt", "exits", "irqs", "syscalls", "faults")


def read_lines(path):
    """The count lines of one file, in order, as dicts (at= stays a string)."""
    rows = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words or words[0] != "ukl-count":
                continue
            row = {}
            for w in words[1:]:
                k, _, v = w.partition("=")
                row[k] = v if k == "at" else int(v)
            rows.append(row)
    return rows


def delta(a, b):
    return {k: b.get(k, 0) - a.get(k, 0) for k in FIELDS}


def between(path, first, last):
    rows = read_lines(path)
    try:
        a = next(r for r in rows if r["at"] == first)
        b = next(r for r in rows if r["at"] == last)
    except StopIteration:
        sys.exit(f"counts: no snapshots {first} and {last} in {path}")
    return delta(a, b)


def ratio(u, p):
    return f"{u / p:.3f}" if p else "-"


# (label, field) rows of the per-operation tables; indented ones are parts
TABLE = (("instructions", "insns"), ("  application", "insns_app"),
         ("  kernel", "insns_kernel"), ("  idle (.cpuidle.text)", "insns_idle"),
         ("  other user code", "insns_user"), ("exits", "exits"), ("  mmio", "mmio"),
         ("  port I/O", "pio"), ("  rdmsr/wrmsr", "msr"), ("  hlt", "hlt"),
         ("interrupts", "irqs"), ("system calls", "syscalls"), ("page faults", "faults"))


def csv_mean_us(paths):
    values = []
    for path in paths:
        with open(path) as f:
            next(f, None)
            values += [int(line.split(",")[2]) / 1000.0 for line in f if line.count(",") == 2]
    return statistics.fmean(values) if values else float("nan")


def echo(args):
    n = args.messages
    u = {k: v / n for k, v in between(args.ukl, "start", "end").items()}
    p = {k: v / n for k, v in between(args.process, "start", "end").items()}
    print(f"per round trip, counted by the plugin over {n} messages per mode "
          "(exits = mmio + pio + msr + hlt):")
    print(f"{'':<24} {'ukl':>10} {'process':>10} {'ukl/process':>12}")
    for label, k in TABLE:
        if k == "insns_user" and not u[k] and not p[k]:
            continue
        digits = 0 if k.startswith("insns") else 2
        print(f"{label:<24} {u[k]:>10.{digits}f} {p[k]:>10.{digits}f} {ratio(u[k], p[k]):>12}")
    if args.latency:
        cu, cp = (csv_mean_us([f]) for f in args.latency)
        wu, wp = csv_mean_us(args.wall_ukl), csv_mean_us(args.wall_process)
        print(f"mean latency with the plugin: ukl {cu:.1f} us, process {cp:.1f} us "
              f"({cu / wu:.2f}x and {cp / wp:.2f}x the runs without it)")
    print(f"echo cost ukl/process: instructions={ratio(u['insns'], p['insns'])} "
          f"exits={ratio(u['exits'], p['exits'])}")


def syscall_phases(counts, console):
    """{name: counts over that measurement}, from one run."""
    names = []
    with open(console, errors="replace") as f:
        for line in f:
            words = line.split()
            if len(words) == 3 and words[0] == "syscall" and words[2].startswith("ns="):
                names.append(words[1])
    rows = read_lines(counts)
    execs = [i for i, r in enumerate(rows) if r["at"] == "begin_new_exec"]
    if not execs or not names:
        sys.exit(f"counts: no exec snapshot or no syscall lines in {counts}, {console}")
    marks = [rows[execs[-1]]] + [r for r in rows[execs[-1]:] if r["at"] == "redirected_tty_write"]
    if len(marks) < len(names) + 1:
        sys.exit(f"counts: {len(names)} lines but {len(marks) - 1} console writes in {counts}")
    return {name: delta(marks[i], marks[i + 1]) for i, name in enumerate(names)}


def calls(name, d):
    """How many calls a measurement made: page faults for page-fault, one
    per system call otherwise, a pair for "a+b" names."""
    if name == "page-fault":
        return d["faults"]
    return d["syscalls"] / (name.count("+") + 1)


def syscall(args):
    u, p = syscall_phases(*args.ukl), syscall_phases(*args.process)
    print("per call, counted by the plugin (loop, warm-up and printf included; "
          "exits = mmio + pio + msr + hlt):")
    print(f"{'call':<22} {'ukl instr':>10} {'app':>6} {'kernel':>7} {'exits':>6} "
          f"{'process instr':>14} {'app':>6} {'kernel':>7} {'exits':>6} {'ratio':>7}")
    for name in u:
        if name not in p:
            continue
        cu, cp = calls(name, u[name]), calls(name, p[name])
        if not cu or not cp:
            continue
        a = {k: v / cu for k, v in u[name].items()}
        b = {k: v / cp for k, v in p[name].items()}
        print(f"{name:<22} {a['insns']:>10.1f} {a['insns_app']:>6.1f} {a['insns_kernel']:>7.1f} "
              f"{a['exits']:>6.3f} {b['insns']:>14.1f} {b['insns_app']:>6.1f} "
              f"{b['insns_kernel']:>7.1f} {b['exits']:>6.3f} {ratio(a['insns'], b['insns']):>7}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    e = sub.add_parser("echo")
    e.add_argument("--messages", type=int, required=True)
    e.add_argument("--ukl", required=True)
    e.add_argument("--process", required=True)
    e.add_argument("--latency", nargs=2)
    e.add_argument("--wall-ukl", nargs="+")
    e.add_argument("--wall-process", nargs="+")
    s = sub.add_parser("syscall")
    s.add_argument("--ukl", nargs=2, required=True)
    s.add_argument("--process", nargs=2, required=True)
    args = ap.parse_args()
    if args.what == "echo":
        if bool(args.latency) != bool(args.wall_ukl and args.wall_process):
            sys.exit("counts: --latency goes with --wall-ukl and --wall-process")
        echo(args)
    else:
        syscall(args)


if __name__ == "__main__":
    main()
