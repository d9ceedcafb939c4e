#!/bin/bash
# ukl bench specialize: programs linked into the generic UKL kernel and
# into one fitted to them (ukl-gcc --specialize), compared in one run:
# image sizes, boot time to main, the memory the kernel keeps, the least
# guest memory hello runs in, and the cost of system calls and of an echo
# round trip in guest instructions.
#
#   ukl bench specialize [--rounds N] [--no-redis]
#
# The programs: examples/echo/echo.c, tests/guest/hello.c (no sockets:
# the most a kernel can lose), and redis-server from Debian's source
# (scripts/build-redis.sh ukl and ukl-spec; --no-redis leaves it out).
set -eu
. "$(dirname "$0")/lib.sh"

rounds=3
redis=1
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds)
		[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || ukl_die "bench specialize: --rounds wants a number"
		rounds=$2; shift ;;
	--no-redis) redis=0 ;;
	*) ukl_die "bench specialize: unknown option $1 (use --rounds N, --no-redis)" ;;
	esac
	shift
done
ukl_scratch ukl-bench-specialize
gcc_ukl=$UKL_ROOT/bin/ukl-gcc
ukl=$UKL_ROOT/bin/ukl
timer=$UKL_ROOT/bench/boot-timer.py
port=7792

# build NAME SOURCE : $work/NAME.generic and $work/NAME.spec, the images.
build() {
	ukl_say "bench specialize: linking $(basename "$2"), generic and specialized"
	"$gcc_ukl" -O2 -o "$work/$1.generic" "$2"
	"$gcc_ukl" -O2 --specialize-report "$work/$1.report" -o "$work/$1.spec" "$2"
}
build echo "$UKL_ROOT/examples/echo/echo.c"
build hello "$UKL_ROOT/tests/guest/hello.c"
build syscall "$UKL_ROOT/bench/guest/syscall-bench.c"
programs="echo hello"
if [ $redis -eq 1 ]; then
	ukl_say "bench specialize: redis-server, generic and specialized (minutes when not cached)"
	cp "$("$UKL_ROOT/scripts/build-redis.sh" ukl)/redis-server" "$work/redis.generic"
	cp "$("$UKL_ROOT/scripts/build-redis.sh" ukl-spec)/redis-server" "$work/redis.spec"
	programs="$programs redis"
fi

# marker NAME : the console line that says NAME's main is running.
marker() {
	case "$1" in
	echo) echo "echo: listening on port" ;;
	hello) echo "GREETING=" ;;
	redis) echo "Ready to accept connections" ;;
	esac
}
# run_args NAME : set $opts (ukl run's options) and $args (the program's).
run_args() {
	opts=(--timeout 120)
	args=()
	if [ "$1" = redis ]; then
		# no background saves: they fork, which a UKL program cannot
		opts+=(-m 512M)
		args=(--save "" --appendonly no)
	fi
}

for p in $programs; do
	for v in generic spec; do
		"$ukl" package --bzimage "$work/$p.$v.bz" "$work/$p.$v" >/dev/null
	done
done

for r in $(seq 1 "$rounds"); do
	ukl_say "bench specialize: boot round $r/$rounds"
	for p in $programs; do
		run_args "$p"
		for v in generic spec; do
			"$timer" --stop "$(marker "$p")" "$ukl" run "${opts[@]}" "$work/$p.$v" \
				-- ${args[@]+"${args[@]}"} >>"$work/$p.$v.times"
		done
	done
done

# The kernel's own account of its memory ("Memory: ..."), from one
# verbose boot each, stopped once the program runs.
ukl_say "bench specialize: the kernel's memory"
for p in $programs; do
	run_args "$p"
	for v in generic spec; do
		"$ukl" run --verbose "${opts[@]}" "$work/$p.$v" -- ${args[@]+"${args[@]}"} \
			>"$work/$p.$v.console" 2>&1 &
		runner_pid=$!
		for _ in $(seq 1 240); do
			grep -qF "$(marker "$p")" "$work/$p.$v.console" && break
			kill -0 "$runner_pid" 2>/dev/null || break
			sleep 0.5
		done
		ukl_stop "$runner_pid"
		runner_pid=""
		grep -q 'Memory: [0-9]*K/' "$work/$p.$v.console" ||
			ukl_die "bench specialize: no Memory: line booting $p ($v; see $work/$p.$v.console)"
	done
done

# fits MEM IMAGE : hello runs to its end in MEM MiB.
fits() {
	"$ukl" run -m "$1M" --timeout 60 "$2" -- x >"$work/fit.out" 2>&1 || true
	grep -q '^ukl: exit status 3$' "$work/fit.out"
}
# least IMAGE : the least memory, in MiB, that hello runs in (8 to 128).
least() {
	local lo=8 hi=128 mid
	fits "$hi" "$1" || { echo ">128"; return; }
	if fits "$lo" "$1"; then echo "$lo"; return; fi
	while [ $((hi - lo)) -gt 1 ]; do
		mid=$(((lo + hi) / 2))
		if fits "$mid" "$1"; then hi=$mid; else lo=$mid; fi
	done
	echo "$hi"
}
ukl_say "bench specialize: least memory hello runs in"
least_generic=$(least "$work/hello.generic")
least_spec=$(least "$work/hello.spec")

ukl_say "bench specialize: system call costs (-icount)"
for v in generic spec; do
	"$ukl" run --icount --timeout 600 "$work/syscall.$v" -- 1 >"$work/syscall.$v.out" ||
		ukl_die "bench specialize: the $v syscall run failed"
done

ukl_say "bench specialize: echo round trips, counted (plugin)"
gcc -O2 -Wall -o "$work/echo-client" "$UKL_ROOT/bench/echo-client.c" -lpthread
for v in generic spec; do
	rm -f "$work/count.sock"
	"$ukl" run --timeout 900 -p "$port:7" --count "$work/echo.$v.counts" \
		--count-socket "$work/count.sock" "$work/echo.$v" >"$work/echo.$v.count-console" 2>&1 &
	runner_pid=$!
	"$work/echo-client" -p "$port" -n 2000 -w 200 -s 64 -S "$work/count.sock" -g 1000 \
		-o "$work/echo.$v.csv" -q ||
		ukl_die "bench specialize: the echo client failed against the $v image"
	ukl_stop "$runner_pid"
	runner_pid=""
done

printf 'machine: %s, %s CPUs, QEMU %s\n' "$(uname -r)" "$(nproc)" \
	"$(qemu-system-x86_64 --version | head -n 1 | awk '{print $4}')"
python3 "$UKL_ROOT/bench/specialize-summary.py" "$work" "$programs" \
	"$least_generic" "$least_spec"
python3 "$UKL_ROOT/bench/counts.py" echo --messages 2000 --names specialized,generic \
	--ukl "$work/echo.spec.counts" --process "$work/echo.generic.counts"
python3 "$UKL_ROOT/bench/specialize-summary.py" --last "$work" "$programs" \
	"$least_generic" "$least_spec"
