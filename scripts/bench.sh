#!/bin/bash
# bin/ukl bench: UKL against the same program as a normal process on the
# same kernel, booted with identical QEMU settings and alternated in one
# run, reported as ratios (these machines are noisy; only ratios from one
# run mean something).
#
#   ukl bench syscall [--rounds N] [--scale N]
#   ukl bench echo [--rounds N] [--count N] [--warmup N] [--size BYTES]
#                  [--port PORT] [--out DIR] [--net user|tap]
#   ukl bench boot [--rounds N]
#   ukl bench soak [--minutes N | --seconds N] [--connections C]
#                  [--interval SECONDS] [--port PORT] [--out DIR] [--net user|tap]
#   ukl bench redis ...   (scripts/bench-redis.sh --help)
#   ukl bench specialize [--rounds N] [--no-redis]   (scripts/bench-specialize.sh)
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bench-net.sh"

usage() {
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 125
}

what=${1:-}
[ $# -eq 0 ] || shift
# redis has options of its own.
[ "$what" != redis ] || exec "$(dirname "$0")/bench-redis.sh" "$@"
[ "$what" != specialize ] || exec "$(dirname "$0")/bench-specialize.sh" "$@"
rounds=3
scale=1
count=10000
warmup=500
size=64
port=7790
out=""
minutes=10
seconds=""
connections=100
interval=""
net=user	# --net: how the clients reach the guest (scripts/bench-net.sh)
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case "$1" in
	--rounds) rounds=$2 ;;
	--scale) scale=$2 ;;
	--count) count=$2 ;;
	--warmup) warmup=$2 ;;
	--size) size=$2 ;;
	--port) port=$2 ;;
	--out) out=$2 ;;
	--minutes) minutes=$2 ;;
	--seconds) seconds=$2 ;;
	--connections) connections=$2 ;;
	--interval) interval=$2 ;;
	--net) net=$2 ;;
	*) usage ;;
	esac
	[[ $2 =~ ^[0-9]+$ ]] || [ "$1" = --out ] || [ "$1" = --net ] || ukl_die "bench: $1 wants a number"
	shift 2
done
[ "$what" != soak ] || [ "$port" != 7790 ] || port=7791
bench_net_check "$net"

ukl_scratch ukl-bench

# build_both SOURCE NAME : $work/NAME.ukl (UKL) and $work/NAME (process)
build_both() {
	ukl_say "bench: building $(basename "$1") as UKL image and as normal process"
	"$UKL_ROOT/bin/ukl-gcc" -O2 -o "$work/$2.ukl" "$1"
	gcc -O2 -static -o "$work/$2" "$1"
}

# boot_args MODE NAME : set $boot to the "ukl run" arguments that boot
# $work/NAME as MODE: the UKL image, the normal program (process, with
# Linux's default settings), or the normal program with the settings UKL
# images boot with (process-tuned: ukl run --tuning, docs/runner.md).
boot_args() {
	case "$1" in
	ukl) boot=("$work/$2.ukl") ;;
	process) boot=(--userspace "$work/$2") ;;
	process-tuned) boot=(--tuning ukl --userspace "$work/$2") ;;
	esac
}

machine_line() {
	printf 'machine: %s, %s CPUs, QEMU %s, accelerator %s\n' \
		"$(uname -r)" "$(nproc)" \
		"$(qemu-system-x86_64 --version | head -n 1 | awk '{print $4}')" \
		"${UKL_ACCEL:-auto (TCG here unless a KVM probe boot works)}"
}

bench_syscall() {
	local r mode boot
	build_both "$UKL_ROOT/bench/guest/syscall-bench.c" syscall-bench
	for r in $(seq 1 "$rounds"); do
		for mode in ukl process; do
			ukl_say "bench syscall: round $r/$rounds, $mode"
			boot_args $mode syscall-bench
			"$UKL_ROOT/bin/ukl" run --timeout 600 "${boot[@]}" -- "$scale" \
				>"$work/$mode-$r.out" ||
				ukl_die "bench syscall: the $mode run failed (see $work/$mode-$r.out)"
		done
	done
	# Once more with QEMU's -icount: the guest's clock then counts executed
	# instructions, so "ns" reads as instructions per call, free of noise.
	for mode in ukl process; do
		ukl_say "bench syscall: instruction counts (-icount), $mode"
		boot_args $mode syscall-bench
		"$UKL_ROOT/bin/ukl" run --icount --timeout 600 "${boot[@]}" -- 1 \
			>"$work/icount-$mode.out" || ukl_die "bench syscall: the icount $mode run failed"
	done
	# And with the counting plugin (docs/measuring.md), which splits them
	# (application, kernel) and counts VM exits: a snapshot at the
	# program's exec and at each console write, which ends a measurement
	# (bench/counts.py).
	for mode in ukl process; do
		ukl_say "bench syscall: instruction and exit counts (plugin), $mode"
		boot_args $mode syscall-bench
		"$UKL_ROOT/bin/ukl" run --count "$work/count-$mode.counts" \
			--count-at begin_new_exec --count-at redirected_tty_write \
			--timeout 600 "${boot[@]}" -- 1 >"$work/count-$mode.out" ||
			ukl_die "bench syscall: the counted $mode run failed"
	done
	machine_line
	echo "instructions per call (QEMU -icount; the ns column counts instructions):"
	python3 "$UKL_ROOT/bench/summarize.py" syscall "$work/icount-ukl.out" -- \
		"$work/icount-process.out" | sed '$d'
	python3 "$UKL_ROOT/bench/counts.py" syscall \
		--ukl "$work/count-ukl.counts" "$work/count-ukl.out" \
		--process "$work/count-process.counts" "$work/count-process.out"
	echo "time per call (wall clock, median of $rounds rounds):"
	python3 "$UKL_ROOT/bench/summarize.py" syscall "$work"/ukl-*.out -- "$work"/process-*.out
}

# Each round runs both modes without the plugin, for the latencies, and
# then with it (docs/measuring.md), for guest instructions and VM exits
# per round trip. The plugin slows TCG, so its runs never give latencies;
# the client takes a snapshot after the warm-up and after the last
# measured reply, so only the measured messages are counted. In the
# counted runs the client pauses count_gap_us after each reply, so that
# the guest goes idle once per round trip, as it would on hardware fast
# enough to be done before the next message: without the pause, how often
# the slow TCG guest still has work when a message arrives decides how
# often it enters and leaves the idle loop (thousands of instructions
# each), and instructions per round trip varied by 20% between runs
# (docs/measuring.md).
count_gap_us=1000
bench_echo() {
	local r mode boot
	out=${out:-ukl-bench-echo}
	build_both "$UKL_ROOT/examples/echo/echo.c" echo
	gcc -O2 -Wall -o "$work/echo-client" "$UKL_ROOT/bench/echo-client.c" -lpthread
	mkdir -p "$out"
	# the summaries read every round's files: none from an earlier run
	rm -f "$out"/ukl-*.csv "$out"/process-*.csv "$out"/ukl-*.counts "$out"/process-*.counts
	for r in $(seq 1 "$rounds"); do
		for mode in ukl process; do
			ukl_say "bench echo: round $r/$rounds, $mode, $count messages of $size bytes, --net $net"
			boot_args $mode echo
			bench_net_run_args "$net" "$port" 7 "$work/net-$mode-$r"
			"$UKL_ROOT/bin/ukl" run --timeout 900 "${net_run[@]}" "${boot[@]}" \
				>"$work/$mode-$r.console" 2>&1 &
			runner_pid=$!
			bench_net_target "$net" "$runner_pid" "$port" 7 "$work/net-$mode-$r" ||
				ukl_die "bench echo: the $mode guest's network did not come up (see $work/$mode-$r.console)"
			${net_exec[@]+"${net_exec[@]}"} "$work/echo-client" -h "$net_host" -p "$net_port" \
				-n "$count" -w "$warmup" -s "$size" -o "$out/$mode-$r.csv" -q ||
				ukl_die "bench echo: the client failed against $mode"
			ukl_stop "$runner_pid"
			runner_pid=""
		done
		for mode in ukl process process-tuned; do
			ukl_say "bench echo: round $r/$rounds, $mode, counted (plugin)"
			boot_args $mode echo
			rm -f "$work/count.sock"
			"$UKL_ROOT/bin/ukl" run --timeout 900 -p "$port:7" --count "$out/$mode-$r.counts" \
				--count-socket "$work/count.sock" "${boot[@]}" \
				>"$work/count-$mode-$r.console" 2>&1 &
			runner_pid=$!
			"$work/echo-client" -p "$port" -n "$count" -w "$warmup" -s "$size" \
				-S "$work/count.sock" -g "$count_gap_us" -o "$work/count-$mode-$r.csv" -q ||
				ukl_die "bench echo: the client failed against $mode (counted; console: $work/count-$mode-$r.console)"
			ukl_stop "$runner_pid"
			runner_pid=""
		done
	done
	machine_line | tee "$out/summary.txt"
	python3 "$UKL_ROOT/bench/summarize.py" echo --ukl "$out"/ukl-*.csv \
		--process "$out"/process-[0-9]*.csv --plots "$out" >"$work/summary"
	# UKL's settings given to the process, then UKL against that process:
	# what the settings give any program, and what the unikernel adds.
	python3 "$UKL_ROOT/bench/counts.py" echo --messages "$count" --names process-tuned,process \
		--ukl "$out"/process-tuned-*.counts --process "$out"/process-[0-9]*.counts >"$work/counts"
	python3 "$UKL_ROOT/bench/counts.py" echo --messages "$count" --names ukl,process-tuned \
		--ukl "$out"/ukl-*.counts --process "$out"/process-tuned-*.counts | tail -n 1 >>"$work/counts"
	python3 "$UKL_ROOT/bench/counts.py" echo --messages "$count" \
		--ukl "$out"/ukl-*.counts --process "$out"/process-[0-9]*.counts \
		--latency-ukl "$work"/count-ukl-*.csv --latency-process "$work"/count-process-[0-9]*.csv \
		--wall-ukl "$out"/ukl-*.csv --wall-process "$out"/process-[0-9]*.csv >>"$work/counts"
	# the latency ratios stay the last line
	{ sed '$d' "$work/summary"; cat "$work/counts"; tail -n 1 "$work/summary"; } >"$work/all"
	cat "$work/all" >>"$out/summary.txt"
	plot_echo
	cat "$work/all"
}

plot_echo() {
	command -v gnuplot >/dev/null || { ukl_say "bench echo: no gnuplot, no plots"; return; }
	local xmax
	xmax=$(sort -n "$out/process.samples" | awk '{ v[NR] = $1 } END { print v[int(NR * 0.999)] * 1.1 }')
	gnuplot <<PLOT
set terminal png size 900,600
set grid
set xlabel "round-trip latency (microseconds)"
set xrange [0:$xmax]
set output "$out/echo-cdf.png"
set ylabel "fraction of messages"
set title "TCP echo, $size-byte messages: cumulative distribution"
set key bottom right
plot "$out/ukl.cdf" using 1:2 with lines lw 2 title "UKL", \
     "$out/process.cdf" using 1:2 with lines lw 2 title "normal process"
set output "$out/echo-pdf.png"
set ylabel "probability density"
set title "TCP echo, $size-byte messages: probability density"
set key top right
plot "$out/ukl.samples" using 1:(1) smooth kdensity lw 2 title "UKL", \
     "$out/process.samples" using 1:(1) smooth kdensity lw 2 title "normal process"
PLOT
	ukl_say "bench echo: plots and raw samples in $out/"
}

# Debian's cloud kernel, what a user would boot instead: downloaded into
# the cache (not installed). Prints the path of its vmlinuz.
cloud_kernel() {
	local pkg dir=$UKL_CACHE/cloud-kernel
	if [ ! -f "$dir/.ukl-done" ]; then
		pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
		[ -n "$pkg" ] || ukl_die "bench boot: cannot find Debian's cloud kernel package (apt-get update?)"
		ukl_say "bench boot: downloading $pkg"
		rm -rf "$dir"
		mkdir -p "$dir"
		(cd "$dir" && apt-get download -q "$pkg") >"$work/download.log" 2>&1 ||
			{ cat "$work/download.log" >&2; ukl_die "bench boot: cannot download $pkg"; }
		dpkg-deb -x "$dir"/*.deb "$dir/root"
		rm -f "$dir"/*.deb
		touch "$dir/.ukl-done"
	fi
	ls "$dir"/root/boot/vmlinuz-* | head -n 1
}

bench_boot() {
	local r mode boot cloud timer=$UKL_ROOT/bench/boot-timer.py marker="boot-probe: main reached"
	build_both "$UKL_ROOT/bench/guest/boot-probe.c" boot-probe
	"$UKL_ROOT/bin/ukl-gcc" --bzimage -O2 -o "$work/boot-probe.bz" "$UKL_ROOT/bench/guest/boot-probe.c"
	"$UKL_ROOT/bin/ukl-gcc" --bzimage=lz4 -O2 -o "$work/boot-probe.lz4.bz" "$UKL_ROOT/bench/guest/boot-probe.c"
	cloud=$(cloud_kernel)
	for r in $(seq 1 "$rounds"); do
		ukl_say "bench boot: round $r/$rounds"
		for mode in ukl process; do
			boot_args $mode boot-probe
			"$timer" "$marker" "$UKL_ROOT/bin/ukl" run --timeout 300 "${boot[@]}" \
				>>"$work/$mode.times"
		done
		# the same UKL image as a compressed bzImage, xz and LZ4
		"$timer" "$marker" "$UKL_ROOT/bin/ukl" run --timeout 300 "$work/boot-probe.bz" \
			>>"$work/ukl-bz.times"
		"$timer" "$marker" "$UKL_ROOT/bin/ukl" run --timeout 300 "$work/boot-probe.lz4.bz" \
			>>"$work/ukl-bz-lz4.times"
		# the same UKL image on QEMU's pc machine (the default is microvm)
		"$timer" "$marker" "$UKL_ROOT/bin/ukl" run --machine pc --timeout 300 \
			"$work/boot-probe.ukl" >>"$work/ukl-pc.times"
		# the same normal program on Debian's cloud kernel
		UKL_KERNEL=$cloud "$timer" "$marker" "$UKL_ROOT/bin/ukl" run --timeout 300 \
			"${boot[@]}" >>"$work/cloud.times"
	done
	machine_line
	strip -o "$work/boot-probe.stripped" "$work/boot-probe.ukl"
	gzip -9 -c "$work/boot-probe.stripped" >"$work/boot-probe.stripped.gz"
	python3 - "$work" "$cloud" <<'PY'
import os, statistics, sys
work, cloud = sys.argv[1], sys.argv[2]
def times(name):
    rows = [dict(kv.split("=") for kv in line.split()) for line in open(f"{work}/{name}.times")]
    return (statistics.median(float(r["main_s"]) for r in rows),
            statistics.median(float(r["exit_s"]) for r in rows))
rows = [("ukl", "UKL image"), ("ukl-bz", "UKL image as bzImage (xz)"),
        ("ukl-bz-lz4", "UKL image as bzImage (LZ4)"),
        ("ukl-pc", "UKL image, pc machine"),
        ("process", "process, UKL's kernel"), ("cloud", "process, Debian cloud kernel")]
t = {k: times(k) for k, _ in rows}
print(f"{'boot (median s)':<30} {'to main':>8} {'to exit':>8}")
for k, label in rows:
    print(f"{label:<30} {t[k][0]:>8.3f} {t[k][1]:>8.3f}")
mib = lambda p: os.path.getsize(p) / 2**20
print(f"image: UKL ELF {mib(work + '/boot-probe.ukl'):.1f} MiB, stripped "
      f"{mib(work + '/boot-probe.stripped'):.1f} MiB, stripped+gzip "
      f"{mib(work + '/boot-probe.stripped.gz'):.1f} MiB; UKL bzImage "
      f"{mib(work + '/boot-probe.bz'):.2f} MiB (xz), {mib(work + '/boot-probe.lz4.bz'):.2f} MiB (LZ4); "
      f"cloud vmlinuz {mib(cloud):.1f} MiB + initramfs")
print(f"boot to main cloud/ukl-pc: {t['cloud'][0] / t['ukl-pc'][0]:.2f}x")
print(f"boot to main cloud/ukl: {t['cloud'][0] / t['ukl'][0]:.2f}x")
PY
}

# Soak: examples/echo/echo-epoll.c under C connections of random-sized
# messages for a long time, as a UKL image and then as a normal process,
# every echoed byte checked (bench/soak-client.c); ukl-init reports the
# guest's memory use on the console (ukl run --mem-report), the client
# adds the latest figure to each interval's line.
bench_soak() {
	local mode boot secs mem_period rc
	out=${out:-ukl-bench-soak}
	secs=${seconds:-$((minutes * 60))}
	[ "$secs" -gt 0 ] || ukl_die "bench soak: nothing to do in 0 seconds"
	[ "$connections" -ge 1 ] && [ "$connections" -le 1024 ] ||
		ukl_die "bench soak: --connections wants 1 to 1024"
	# 30 s between lines, or four lines in a shorter run
	if [ -z "$interval" ]; then
		interval=30
		[ "$secs" -ge 120 ] || interval=$(( secs / 4 > 0 ? secs / 4 : 1 ))
	fi
	[ "$interval" -ge 1 ] || ukl_die "bench soak: --interval wants 1 or more"
	mem_period=$(( interval / 3 > 0 ? interval / 3 : 1 ))
	build_both "$UKL_ROOT/examples/echo/echo-epoll.c" echo-epoll
	gcc -O2 -Wall -o "$work/soak-client" "$UKL_ROOT/bench/soak-client.c"
	for mode in ukl process; do
		ukl_say "bench soak: $mode, $connections connections for ${secs}s, a line every ${interval}s, --net $net"
		boot_args $mode echo-epoll
		bench_net_run_args "$net" "$port" 7 "$work/net-$mode"
		"$UKL_ROOT/bin/ukl" run --timeout $((secs + 600)) --mem-report "$mem_period" \
			"${net_run[@]}" "${boot[@]}" -- 7 >"$work/$mode.console" 2>&1 &
		runner_pid=$!
		bench_net_target "$net" "$runner_pid" "$port" 7 "$work/net-$mode" ||
			ukl_die "bench soak: the $mode guest's network did not come up (see $work/$mode.console)"
		${net_exec[@]+"${net_exec[@]}"} "$work/soak-client" -h "$net_host" -p "$net_port" \
			-d "$secs" -c "$connections" -i "$interval" \
			-W 300 -l "$work/$mode.console" -L "soak $mode:" \
			2>"$work/$mode.client-errors" | tee "$work/$mode.soak"
		rc=${PIPESTATUS[0]}
		# the first errors, by connection and message (at most 20 lines)
		head -n 5 "$work/$mode.client-errors" >&2
		if ! kill -0 "$runner_pid" 2>/dev/null; then
			tail -n 20 "$work/$mode.console" >&2
			ukl_die "bench soak: the $mode guest stopped during the run"
		fi
		ukl_stop "$runner_pid"
		runner_pid=""
		[ "$rc" -eq 0 ] || { tail -n 20 "$work/$mode.console" >&2
			ukl_die "bench soak: the client failed against $mode (status $rc)"; }
		grep -q '^soak '"$mode"': done ' "$work/$mode.soak" ||
			ukl_die "bench soak: no final line from the client against $mode"
	done
	machine_line >"$work/summary"
	python3 - "$work" "$connections" "$secs" >>"$work/summary" <<'PY'
import sys
work, conns, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
res = {}
for mode in ("ukl", "process"):
    rows = []
    for line in open(f"{work}/{mode}.soak"):
        words = line.split()
        if len(words) < 3 or words[2] == "done":
            continue
        rows.append(dict(w.split("=", 1) for w in words[2:]))
    mem = [int(r["used_kib"]) for r in rows if r["used_kib"] != "-"]
    last = rows[-1]
    res[mode] = dict(rt=int(last["roundtrips"]), err=int(last["errors"]),
                     mib=int(last["bytes"]) / 2**20,
                     first=mem[0] if mem else None, last=mem[-1] if mem else None,
                     lo=min(mem) if mem else None, hi=max(mem) if mem else None)
    r = res[mode]
    growth = r["last"] - r["first"] if mem else "-"
    print(f"soak {mode} summary: seconds={secs} connections={conns} roundtrips={r['rt']} "
          f"per_s={r['rt'] / secs:.0f} errors={r['err']} echoed_mib={r['mib']:.0f} "
          f"used_kib first={r['first']} last={r['last']} min={r['lo']} max={r['hi']} "
          f"mem_growth_kib={growth}")
    r["growth"] = growth
u, p = res["ukl"], res["process"]
print(f"soak ukl/process: roundtrips={u['rt']}/{p['rt']} errors={u['err']}/{p['err']} "
      f"mem_growth_kib={u['growth']}/{p['growth']}")
PY
	# Complete results only: written in $work, moved into place at the end.
	mkdir -p "$out"
	for mode in ukl process; do
		cp "$work/$mode.console" "$work/$mode.soak" "$work/$mode.client-errors" "$out/"
	done
	cp "$work/summary" "$out/summary.txt"
	ukl_say "bench soak: consoles and client output in $out/"
	cat "$work/summary"
}

case "$what" in
syscall) bench_syscall ;;
echo) bench_echo ;;
boot) bench_boot ;;
soak) bench_soak ;;
*) usage ;;
esac
