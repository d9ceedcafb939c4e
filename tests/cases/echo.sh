# Issue 5: the paper's echo server as a UKL image, driven from the host,
# and the benchmark commands (smoke runs: nothing about time is asserted).

# start_echo PORT IMAGE [RUN OPTIONS...] : boot IMAGE in the background
# with 127.0.0.1:PORT forwarded to guest port 7; $echo_pid is the runner.
start_echo() {
	local port=$1 image=$2
	shift 2
	"$UKL" run --timeout 400 "$@" -p "$port:7" "$image" -- 7 >console.log 2>&1 &
	echo_pid=$!
}

stop_echo() {
	kill "$echo_pid" 2>/dev/null || true
	wait "$echo_pid" 2>/dev/null || true
	echo "--- guest console"
	cat console.log
}

echo_client() {
	local bin=$UKL_CACHE/tests/echo-client
	if [ ! -x "$bin" ] || [ "$UKL_ROOT/bench/echo-client.c" -nt "$bin" ]; then
		mkdir -p "$(dirname "$bin")"
		gcc -O2 -Wall -o "$bin" "$UKL_ROOT/bench/echo-client.c" -lpthread
	fi
	"$bin" "$@"
}

build_echo() {
	local name=$1 image=$UKL_CACHE/tests/echo/$1.ukl
	mkdir -p "$(dirname "$image")"
	"$UKL_ROOT/bin/ukl-gcc" -O2 -o "$image" "$UKL_ROOT/examples/echo/$name.c"
	echo "$image"
}

test_echo_10000_messages_1B_to_64KiB_every_byte_checked() {
	start_echo 17811 "$(build_echo echo)"
	status=0
	echo_client -p 17811 -s 65536 -r -n 10000 -w 10 -t 600 || status=$?
	stop_echo
	expect_status 0
	grep -q "echo: listening on port 7" console.log || fail "the server did not start"
}

test_echo_epoll_100_connections_for_30s() {
	start_echo 17812 "$(build_echo echo-epoll)" --smp 2
	status=0
	echo_client -p 17812 -c 100 -n 100000 -w 1 -s 512 -t 30 >client.out || status=$?
	cat client.out
	stop_echo
	# 3: the 30 s limit ended the run, as intended; every reply was checked
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || fail "client status $status"
	grep -q "count=" client.out || fail "no summary"
	[ "$(sed -n 's/.*count=\([0-9]*\).*/\1/p' client.out)" -ge 1000 ] ||
		fail "too few round trips in 30 s"
}

test_echo_survives_random_bytes_half_close_and_resets() {
	start_echo 17813 "$(build_echo echo)"
	status=0
	echo_client -p 17813 -x >client.out 2>&1 || status=$?
	cat client.out
	stop_echo
	expect_status 0
	for step in random-64k half-close reset connect-close; do
		grep -qx "abuse: $step ok" client.out || fail "no 'abuse: $step ok'"
	done
}

test_bench_commands_run_end_to_end() {
	"$UKL" bench syscall --rounds 1 >syscall.out 2>&1 || { cat syscall.out; fail "bench syscall failed"; }
	cat syscall.out
	tail -n 1 syscall.out | grep -qE '^syscall getppid ukl/process: [0-9.]+$' ||
		fail "bench syscall: wrong last line"
	grep -qE '^getppid +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$' syscall.out ||
		fail "bench syscall: no plugin counts for getppid"
	# A clock read makes no system call in either mode: the plugin's
	# figures must still be per call (a few dozen instructions), not
	# the whole measurement's.
	awk '$1 == "clock_gettime" && NF == 10 && $2 < 1000 && $6 < 1000 { ok = 1 }
		END { exit !ok }' syscall.out ||
		fail "bench syscall: the plugin's clock_gettime figures are not per call"
	grep -qE '^getppid-full-path +[0-9.]+ +[0-9.]+ +[0-9.]+$' syscall.out ||
		fail "bench syscall: no getppid on the full path (seccomp)"
	"$UKL" bench echo --rounds 1 --count 300 --warmup 20 --port 17814 --out results \
		>echo.out 2>&1 || { cat echo.out; fail "bench echo failed"; }
	cat echo.out
	tail -n 1 echo.out | grep -qE '^echo latency ukl/process: mean=[0-9.]+ p99=[0-9.]+$' ||
		fail "bench echo: wrong last line"
	# the counting plugin's figures, just before the last line
	tail -n 2 echo.out | head -n 1 | grep -qE '^echo cost ukl/process: instructions=[0-9.]+ exits=[0-9.]+$' ||
		fail "bench echo: no 'echo cost' line before the last"
	grep -qE '^instructions +[0-9]+ +[0-9]+ ' echo.out || fail "bench echo: no instructions per round trip"
	[ -s results/ukl-1.counts ] && [ -s results/process-1.counts ] &&
		[ -s results/process-tuned-1.counts ] || fail "bench echo: no count files"
	# the process with UKL's settings (ukl run --tuning ukl), against both
	grep -qE '^echo cost process-tuned/process: instructions=[0-9.]+ exits=[0-9.]+$' echo.out ||
		fail "bench echo: no cost of the process with UKL's settings"
	grep -qE '^echo cost ukl/process-tuned: instructions=[0-9.]+ exits=[0-9.]+$' echo.out ||
		fail "bench echo: no cost of UKL against the tuned process"
	[ -s results/echo-cdf.png ] && [ -s results/echo-pdf.png ] || fail "no plots"
	[ "$(wc -l <results/ukl-1.csv)" -eq 301 ] || fail "not 300 samples in the CSV"
	# Also boots the normal program on Debian's cloud kernel.
	"$UKL" bench boot --rounds 1 >boot.out 2>&1 || { cat boot.out; fail "bench boot failed"; }
	cat boot.out
	tail -n 1 boot.out | grep -qE '^boot to main cloud/ukl: [0-9.]+x$' ||
		fail "bench boot: wrong last line"
}
