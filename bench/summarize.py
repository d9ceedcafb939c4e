#!/usr/bin/env python3
"""Summaries for UKL's benchmarks: UKL against the normal process, as ratios.

  summarize.py syscall UKL_OUTPUT... -- PROCESS_OUTPUT...
      Each file holds "syscall NAME ns=X [calls=N]" lines from one run of
      bench/guest/syscall-bench.c. Prints a table of medians and ratios.

  summarize.py echo --ukl CSV... --process CSV... [--plots DIR]
      Each CSV holds "index,size_bytes,rtt_ns" samples from
      bench/echo-client. Prints mean and percentiles per mode and the
      ratios; with --plots, writes the data gnuplot draws from.
"""
import statistics
import sys


def syscall_costs(paths):
    """{name: [ns per call, one per run]} from the guest's output files."""
    costs = {}
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[0] == "syscall" and parts[2].startswith("ns="):
                    costs.setdefault(parts[1], []).append(float(parts[2][3:]))
    return costs


def summarize_syscall(args):
    split = args.index("--")
    ukl, process = syscall_costs(args[:split]), syscall_costs(args[split + 1:])
    names = [n for n in ukl if n in process]
    if "getppid" not in names:
        sys.exit("summarize: no getppid measurement in both modes")
    print(f"{'call':<22} {'ukl ns':>10} {'process ns':>11} {'ukl/process':>12}")
    for name in names:
        u, p = statistics.median(ukl[name]), statistics.median(process[name])
        print(f"{name:<22} {u:>10.1f} {p:>11.1f} {u / p:>12.3f}")
    u, p = statistics.median(ukl["getppid"]), statistics.median(process["getppid"])
    print(f"syscall getppid ukl/process: {u / p:.3f}")


def samples(paths):
    values = []
    for path in paths:
        with open(path) as f:
            next(f, None)  # header
            for line in f:
                fields = line.strip().split(",")
                if len(fields) == 3:
                    values.append(int(fields[2]) / 1000.0)
    if not values:
        sys.exit(f"summarize: no samples in {' '.join(paths)}")
    return sorted(values)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, int(-(-p * len(sorted_values) // 100)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def stats(values):
    return {
        "mean": statistics.fmean(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "p99.9": percentile(values, 99.9),
        "max": values[-1],
    }


def write_plot_data(values, path):
    """Two columns: latency in us and the fraction of samples at or below it."""
    n = len(values)
    step = max(1, n // 2000)
    with open(path, "w") as f:
        for i in range(0, n, step):
            f.write(f"{values[i]:.3f} {(i + 1) / n:.6f}\n")
        f.write(f"{values[-1]:.3f} 1.0\n")


def summarize_echo(args):
    groups, key = {"--ukl": [], "--process": [], "--plots": []}, None
    for a in args:
        if a in groups:
            key = a
        elif key is None:
            sys.exit(f"summarize: unexpected {a}")
        else:
            groups[key].append(a)
    ukl, process = samples(groups["--ukl"]), samples(groups["--process"])
    su, sp = stats(ukl), stats(process)
    print(f"{'latency (us)':<14} {'ukl':>10} {'process':>10} {'ukl/process':>12}")
    for k in su:
        print(f"{k:<14} {su[k]:>10.1f} {sp[k]:>10.1f} {su[k] / sp[k]:>12.3f}")
    print(f"samples: ukl={len(ukl)} process={len(process)}")
    if groups["--plots"]:
        out = groups["--plots"][0]
        write_plot_data(ukl, f"{out}/ukl.cdf")
        write_plot_data(process, f"{out}/process.cdf")
        with open(f"{out}/ukl.samples", "w") as f:
            f.writelines(f"{v:.3f}\n" for v in ukl)
        with open(f"{out}/process.samples", "w") as f:
            f.writelines(f"{v:.3f}\n" for v in process)
    print(f"echo latency ukl/process: mean={su['mean'] / sp['mean']:.3f} "
          f"p99={su['p99'] / sp['p99']:.3f}")


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("syscall", "echo"):
        sys.exit(__doc__)
    if sys.argv[1] == "syscall":
        summarize_syscall(sys.argv[2:])
    else:
        summarize_echo(sys.argv[2:])


if __name__ == "__main__":
    main()
