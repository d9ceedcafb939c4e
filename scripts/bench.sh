#!/bin/bash
# bin/ukl bench: UKL against the same program as a normal process on the
# same kernel, booted with identical QEMU settings and alternated in one
# run, reported as ratios (these machines are noisy; only ratios from one
# run mean something).
#
#   ukl bench syscall [--rounds N] [--scale N]
#   ukl bench echo [--rounds N] [--count N] [--warmup N] [--size BYTES]
#                  [--port PORT] [--out DIR]
#   ukl bench boot [--rounds N]
set -eu
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 125
}

what=${1:-}
[ $# -eq 0 ] || shift
rounds=3
scale=1
count=10000
warmup=500
size=64
port=7790
out=ukl-bench-echo
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
	*) usage ;;
	esac
	[[ $2 =~ ^[0-9]+$ ]] || [ "$1" = --out ] || ukl_die "bench: $1 wants a number"
	shift 2
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ukl-bench.XXXXXX")
runner_pid=""
cleanup() {
	ukl_stop "$runner_pid"
	rm -rf "$work"
}
trap cleanup EXIT

# build_both SOURCE NAME : $work/NAME.ukl (UKL) and $work/NAME (process)
build_both() {
	ukl_say "bench: building $(basename "$1") as UKL image and as normal process"
	"$UKL_ROOT/bin/ukl-gcc" -O2 -o "$work/$2.ukl" "$1"
	gcc -O2 -static -o "$work/$2" "$1"
}

# boot_args MODE NAME : set $boot to the "ukl run" arguments that boot
# $work/NAME as MODE: the UKL image, or the normal program (process).
boot_args() {
	if [ "$1" = ukl ]; then
		boot=("$work/$2.ukl")
	else
		boot=(--userspace "$work/$2")
	fi
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
	machine_line
	echo "instructions per call (QEMU -icount; the ns column counts instructions):"
	python3 "$UKL_ROOT/bench/summarize.py" syscall "$work/icount-ukl.out" -- \
		"$work/icount-process.out" | sed '$d'
	echo "time per call (wall clock, median of $rounds rounds):"
	python3 "$UKL_ROOT/bench/summarize.py" syscall "$work"/ukl-*.out -- "$work"/process-*.out
}

bench_echo() {
	local r mode boot
	build_both "$UKL_ROOT/examples/echo/echo.c" echo
	gcc -O2 -Wall -o "$work/echo-client" "$UKL_ROOT/bench/echo-client.c" -lpthread
	mkdir -p "$out"
	for r in $(seq 1 "$rounds"); do
		for mode in ukl process; do
			ukl_say "bench echo: round $r/$rounds, $mode, $count messages of $size bytes"
			boot_args $mode echo
			"$UKL_ROOT/bin/ukl" run --timeout 900 -p "$port:7" "${boot[@]}" \
				>"$work/$mode-$r.console" 2>&1 &
			runner_pid=$!
			"$work/echo-client" -p "$port" -n "$count" -w "$warmup" -s "$size" \
				-o "$out/$mode-$r.csv" -q ||
				ukl_die "bench echo: the client failed against $mode"
			ukl_stop "$runner_pid"
			runner_pid=""
		done
	done
	machine_line | tee "$out/summary.txt"
	python3 "$UKL_ROOT/bench/summarize.py" echo --ukl "$out"/ukl-*.csv \
		--process "$out"/process-*.csv --plots "$out" >"$work/summary"
	cat "$work/summary" >>"$out/summary.txt"
	plot_echo
	cat "$work/summary"
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
	cloud=$(cloud_kernel)
	for r in $(seq 1 "$rounds"); do
		ukl_say "bench boot: round $r/$rounds"
		for mode in ukl process; do
			boot_args $mode boot-probe
			"$timer" "$marker" "$UKL_ROOT/bin/ukl" run --timeout 300 "${boot[@]}" \
				>>"$work/$mode.times"
		done
		# the same UKL image as a compressed bzImage
		"$timer" "$marker" "$UKL_ROOT/bin/ukl" run --timeout 300 "$work/boot-probe.bz" \
			>>"$work/ukl-bz.times"
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
rows = [("ukl", "UKL image"), ("ukl-bz", "UKL image as bzImage"),
        ("process", "process, UKL's kernel"), ("cloud", "process, Debian cloud kernel")]
t = {k: times(k) for k, _ in rows}
print(f"{'boot (median s)':<30} {'to main':>8} {'to exit':>8}")
for k, label in rows:
    print(f"{label:<30} {t[k][0]:>8.3f} {t[k][1]:>8.3f}")
mib = lambda p: os.path.getsize(p) / 2**20
print(f"image: UKL ELF {mib(work + '/boot-probe.ukl'):.1f} MiB, stripped "
      f"{mib(work + '/boot-probe.stripped'):.1f} MiB, stripped+gzip "
      f"{mib(work + '/boot-probe.stripped.gz'):.1f} MiB; UKL bzImage "
      f"{mib(work + '/boot-probe.bz'):.1f} MiB; cloud vmlinuz {mib(cloud):.1f} MiB + initramfs")
print(f"boot to main cloud/ukl: {t['cloud'][0] / t['ukl'][0]:.2f}x")
PY
}

case "$what" in
syscall) bench_syscall ;;
echo) bench_echo ;;
boot) bench_boot ;;
*) usage ;;
esac
