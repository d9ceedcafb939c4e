#!/usr/bin/env python3
"""Summaries of the counting plugin's lines (bench/plugin/ukl-count.c),
UKL against the normal process, as per-operation figures and ratios.

  counts.py echo --messages N --ukl COUNTS... --process COUNTS...
                 [--latency-ukl CSV... --latency-process CSV...
                  --wall-ukl CSV... --wall-process CSV...]
      Each COUNTS holds the "ukl-count" lines of one counted echo run, with
      snapshots "start" and "end" around the client's N measured messages.
      Prints instructions and exits per round trip (the median over the
      runs of a mode, and the range of the instructions), and last the line
      "echo cost ukl/process: instructions=R exits=R". With the counted
      runs' samples (--latency-*) and those of the runs without the plugin
      (--wall-*), also how much the plugin slowed the mean round trip.

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
import re
import statistics
import sys

FIELDS = ("insns", "insns_app", "insns_kernel", "insns_idle", "insns_user",
          "mmio", "pio", "msr", "hlt", "exits", "irqs", "syscalls", "faults")


def region_name(name):
    """QEMU names a region without a name of its own "anon" and its address
    in QEMU, which changes from run to run: one name for all of them, so
    that runs can be compared. On microvm these are the virtio-mmio
    transports, 512 bytes each, which QEMU reaches through a sub-page
    region when several share a page."""
    return "anon (sub-page)" if re.fullmatch(r"anon[0-9a-f]{8}", name) else name


def read_lines(path):
    """The count lines of one file, in order, as dicts (at= stays a string)."""
    rows = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words or words[0] != "ukl-count":
                continue
            row = {"by": {}}
            for w in words[1:]:
                k, _, v = w.partition("=")
                if k == "at":
                    row[k] = v
                elif k == "mmio_by":
                    for item in v.split(",") if v != "-" else ():
                        name, _, n = item.rpartition(":")
                        name = region_name(name)
                        row["by"][name] = row["by"].get(name, 0) + int(n)
                else:
                    row[k] = int(v)
            rows.append(row)
    return rows


def delta(a, b):
    """b - a for every count, and under "by" for every MMIO region."""
    d = {k: b.get(k, 0) - a.get(k, 0) for k in FIELDS}
    d["by"] = {r: n - a["by"].get(r, 0) for r, n in b["by"].items()}
    return d


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


def per_message(paths, n):
    """Per round trip, each field's median over the runs; and the runs'
    instructions per round trip, sorted."""
    runs = [between(p, "start", "end") for p in paths]
    med = {k: statistics.median(r[k] for r in runs) / n for k in FIELDS}
    names = {name for r in runs for name in r["by"]}
    med["by"] = {name: statistics.median(r["by"].get(name, 0) for r in runs) / n
                 for name in names}
    return med, sorted(r["insns"] / n for r in runs)


def echo(args):
    n = args.messages
    u, ui = per_message(args.ukl, n)
    p, pi = per_message(args.process, n)
    runs = f"median of {len(ui)} runs per mode" if len(ui) > 1 else "one run per mode"
    print(f"per round trip, counted by the plugin over {n} messages, {runs} "
          "(exits = mmio + pio + msr + hlt):")
    un, pn = args.names.split(",")
    print(f"{'':<32} {un:>10} {pn:>10} {un + '/' + pn:>12}")
    for label, k in TABLE:
        if k == "insns_user" and not u[k] and not p[k]:
            continue
        digits = 0 if k.startswith("insns") else 2
        print(f"{label:<32} {u[k]:>10.{digits}f} {p[k]:>10.{digits}f} {ratio(u[k], p[k]):>12}")
        if k == "mmio":	# by device (QEMU's memory region names)
            for name in sorted(set(u["by"]) | set(p["by"])):
                a, b = u["by"].get(name, 0), p["by"].get(name, 0)
                if a >= 0.005 or b >= 0.005:
                    print(f"{'    ' + name:<32} {a:>10.2f} {b:>10.2f} {ratio(a, b):>12}")
    if len(ui) > 1:
        print(f"instructions per round trip, lowest to highest run: {un} {ui[0]:.0f} to {ui[-1]:.0f}, "
              f"{pn} {pi[0]:.0f} to {pi[-1]:.0f}")
    if args.latency_ukl:
        cu, cp = csv_mean_us(args.latency_ukl), csv_mean_us(args.latency_process)
        wu, wp = csv_mean_us(args.wall_ukl), csv_mean_us(args.wall_process)
        print(f"mean latency in the counted runs (plugin, pause between messages): "
              f"ukl {cu:.1f} us, process {cp:.1f} us ({cu / wu:.2f}x and {cp / wp:.2f}x "
              "the runs without them)")
    print(f"echo cost {un}/{pn}: instructions={ratio(u['insns'], p['insns'])} "
          f"exits={ratio(u['exits'], p['exits'])}")


def syscall_phases(counts, console):
    """{name: counts over that measurement}, from one run, each with the
    number of calls the guest says it made ("made", 0 if it does not)."""
    names, made = [], []
    with open(console, errors="replace") as f:
        for line in f:
            words = line.split()
            if len(words) >= 3 and words[0] == "syscall" and words[2].startswith("ns="):
                names.append(words[1])
                given = [w[6:] for w in words[3:] if w.startswith("calls=")]
                made.append(int(given[0]) if given else 0)
    rows = read_lines(counts)
    execs = [i for i, r in enumerate(rows) if r["at"] == "begin_new_exec"]
    if not execs or not names:
        sys.exit(f"counts: no exec snapshot or no syscall lines in {counts}, {console}")
    marks = [rows[execs[-1]]] + [r for r in rows[execs[-1]:] if r["at"] == "redirected_tty_write"]
    if len(marks) < len(names) + 1:
        sys.exit(f"counts: {len(names)} lines but {len(marks) - 1} console writes in {counts}")
    phases = {}
    for i, name in enumerate(names):
        phases[name] = delta(marks[i], marks[i + 1])
        phases[name]["made"] = made[i]
    return phases


def calls(name, d):
    """How many calls a measurement made: what the guest printed, or for
    output without it, page faults for page-fault and one per system call
    otherwise, a pair for "a+b" names. The calls a process makes in the
    vDSO (and UKL in the kernel's copy of it) are no system calls, so only
    the guest's own count divides those right."""
    if d["made"]:
        return d["made"]
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
        a = {k: u[name][k] / cu for k in FIELDS}
        b = {k: p[name][k] / cp for k in FIELDS}
        print(f"{name:<22} {a['insns']:>10.1f} {a['insns_app']:>6.1f} {a['insns_kernel']:>7.1f} "
              f"{a['exits']:>6.3f} {b['insns']:>14.1f} {b['insns_app']:>6.1f} "
              f"{b['insns_kernel']:>7.1f} {b['exits']:>6.3f} {ratio(a['insns'], b['insns']):>7}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    e = sub.add_parser("echo")
    e.add_argument("--messages", type=int, required=True)
    e.add_argument("--ukl", nargs="+", required=True)
    e.add_argument("--process", nargs="+", required=True)
    e.add_argument("--latency-ukl", nargs="+")
    e.add_argument("--latency-process", nargs="+")
    e.add_argument("--wall-ukl", nargs="+")
    e.add_argument("--wall-process", nargs="+")
    # what the two sides are called in the table (bench specialize
    # compares two UKL images)
    e.add_argument("--names", default="ukl,process")
    s = sub.add_parser("syscall")
    s.add_argument("--ukl", nargs=2, required=True)
    s.add_argument("--process", nargs=2, required=True)
    args = ap.parse_args()
    if args.what == "echo":
        given = [bool(x) for x in (args.latency_ukl, args.latency_process,
                                   args.wall_ukl, args.wall_process)]
        if any(given) and not all(given):
            sys.exit("counts: --latency-ukl, --latency-process, --wall-ukl and --wall-process go together")
        echo(args)
    else:
        syscall(args)


if __name__ == "__main__":
    main()
