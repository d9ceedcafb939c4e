# Issue 10: "ukl run --net tap", the guest's NIC on a TAP device inside a
# network namespace the runner creates and removes, clients inside that
# namespace; and the benchmarks over it. Needs root and /dev/net/tun.
# Nothing about time is asserted: limits are generous bounds only.

. "$UKL_ROOT/scripts/net-tap.sh"

# tap_echo_image : the paper's echo server as a UKL image.
tap_echo_image() {
	local image=$UKL_CACHE/tests/echo/echo.ukl
	mkdir -p "$(dirname "$image")"
	"$UKL_ROOT/bin/ukl-gcc" -O2 -o "$image" "$UKL_ROOT/examples/echo/echo.c" >&2
	echo "$image"
}

tap_echo_client() {
	local bin=$UKL_CACHE/tests/echo-client
	if [ ! -x "$bin" ] || [ "$UKL_ROOT/bench/echo-client.c" -nt "$bin" ]; then
		mkdir -p "$(dirname "$bin")"
		gcc -O2 -Wall -o "$bin" "$UKL_ROOT/bench/echo-client.c" -lpthread
	fi
	echo "$bin"
}

# host_tuns : the TAP and TUN devices of the host's own namespace.
host_tuns() {
	ip -d -o link show | awk '/ tun type / { sub(/:$/, "", $2); print $2 }' | sort
}

# start_tap RUN-ARGS... : "ukl run --net tap --net-info info RUN-ARGS" in
# the background (console in console.log, runner in $runner), then wait
# for its namespace: $tap_netns, $tap_guest.
start_tap() {
	rm -f info
	"$UKL" run --net tap --net-info info "$@" >console.log 2>&1 &
	runner=$!
	trap 'ukl_stop "$runner"' EXIT
	ukl_tap_wait_info info "$runner" 120 || { cat console.log; fail "no --net-info file"; }
	echo "namespace $tap_netns, guest $tap_guest"
}

# wait_runner : wait for the runner and set $status to its exit status.
wait_runner() {
	status=0
	wait "$runner" || status=$?
	trap - EXIT
	echo "--- runner status $status, console:"
	cat console.log
}

# expect_gone NETNS : nothing of NETNS is left: no name, no --net-info
# file, no new TAP device in the host's namespace.
expect_gone() {
	if ip netns list | awk '{ print $1 }' | grep -qxF "$1"; then
		fail "namespace $1 is still there after the run"
	fi
	[ ! -e info ] || fail "the --net-info file is still there"
	[ "$(host_tuns | comm -13 tuns.before -)" = "" ] ||
		fail "a TAP device was left in the host's namespace: $(host_tuns | comm -13 tuns.before -)"
}

test_tap_echo_from_inside_the_namespace_then_nothing_left() {
	local image client qemu
	image=$(tap_echo_image)
	client=$(tap_echo_client)
	host_tuns >tuns.before
	start_tap --timeout 600 "$image" -- 7
	grep -qx "ukl: net tap netns=$tap_netns guest=$tap_guest" console.log ||
		fail "no 'ukl: net tap' line"
	[ "$tap_guest" = 10.0.2.15 ] || fail "guest address $tap_guest"
	# The namespace has lo and tap0 only, so nothing the guest sends can
	# go anywhere else; QEMU runs in it.
	[ "$(ip -n "$tap_netns" -o link show | awk '{ print $2 }' | tr '\n' ' ')" = "lo: tap0: " ] ||
		fail "the namespace has other devices: $(ip -n "$tap_netns" -o link show)"
	ip -n "$tap_netns" -o addr show dev tap0 | grep -q 'inet 10\.0\.2\.2/24' ||
		fail "tap0 does not have 10.0.2.2/24"
	qemu=$(ip netns pids "$tap_netns")
	[ -n "$qemu" ] && grep -q qemu-system "/proc/$qemu/cmdline" || fail "QEMU is not in the namespace"
	status=0
	ip netns exec "$tap_netns" "$client" -h "$tap_guest" -p 7 -n 2000 -w 10 -s 512 \
		-W 120 -t 300 >client.out || status=$?
	cat client.out
	[ "$status" -eq 0 ] || fail "echo-client in the namespace: status $status"
	grep -q '^count=2000 ' client.out || fail "no summary from echo-client"
	kill -TERM "$runner"
	wait_runner
	expect_status 143
	grep -q "echo: listening on port 7" console.log || fail "the server did not start"
	kill -0 "$qemu" 2>/dev/null && fail "QEMU $qemu still runs"
	expect_gone "$tap_netns"
}

# Every way a run ends removes the namespace: the program's exit, the
# time limit, SIGTERM, SIGINT (Ctrl-C), QEMU failing to start.
test_tap_every_exit_removes_the_namespace() {
	local image hello ns
	image=$(tap_echo_image)
	hello=$(guest_ukl hello)
	host_tuns >tuns.before

	run_guest out.txt --net tap --net-info info --timeout 300 -e GREETING=hi "$hello" -- one
	expect_status 3
	expect_line out.txt "GREETING=hi"
	ns=$(sed -n 's/^ukl: net tap netns=\([^ ]*\) .*/\1/p' out.txt)
	[ -n "$ns" ] || fail "no 'ukl: net tap' line"
	expect_gone "$ns"

	# The echo server never ends by itself.
	run_guest out.txt --net tap --net-info info --timeout 3 "$image" -- 7
	expect_status 124
	ns=$(sed -n 's/^ukl: net tap netns=\([^ ]*\) .*/\1/p' out.txt)
	expect_gone "$ns"

	start_tap --timeout 600 "$image" -- 7
	kill -TERM "$runner"
	wait_runner
	expect_status 143
	expect_gone "$tap_netns"

	# A background job of a script starts with SIGINT ignored, and bash
	# cannot trap what it inherited ignored: perl puts the default back,
	# as an interactive shell's Ctrl-C finds it.
	rm -f info
	perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' \
		"$UKL" run --net tap --net-info info --timeout 600 "$image" -- 7 >console.log 2>&1 &
	runner=$!
	trap 'ukl_stop "$runner"' EXIT
	ukl_tap_wait_info info "$runner" 120 || { cat console.log; fail "no --net-info file"; }
	kill -INT "$runner"
	wait_runner
	expect_status 130
	expect_gone "$tap_netns"

	UKL_QEMU_ARGS=-no-such-option run_guest out.txt --net tap --timeout 300 "$image"
	expect_status 121
	ns=$(sed -n 's/^ukl: net tap netns=\([^ ]*\) .*/\1/p' out.txt)
	[ -n "$ns" ] || fail "no 'ukl: net tap' line"
	expect_gone "$ns"
}

# SIGKILL runs no trap: QEMU dies with the runner (its parent-death
# signal), and the next tap run removes the empty namespace.
test_tap_after_sigkill_the_next_run_cleans_up() {
	local image hello qemu i
	image=$(tap_echo_image)
	hello=$(guest_ukl hello)
	start_tap --timeout 600 "$image" -- 7
	qemu=$(ip netns pids "$tap_netns")
	kill -KILL "$runner"
	wait_runner
	for i in $(seq 1 50); do
		kill -0 "$qemu" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$qemu" 2>/dev/null && { kill "$qemu"; fail "QEMU outlived its runner"; }
	ip netns list | grep -q "^$tap_netns\b" || fail "expected the killed runner's namespace"
	run_guest out.txt --net tap --timeout 300 "$hello"
	expect_status 3
	grep -qx "ukl run: removed namespace $tap_netns, left by a runner that was killed" out.txt ||
		fail "the stale namespace was not reported removed"
	if ip netns list | grep -q "^$tap_netns\b"; then
		fail "the stale namespace $tap_netns is still there"
	fi
	rm -f info
}

# expect_usage_error FILE : status 125 and one line of message.
expect_usage_error() {
	expect_status 125
	[ "$(wc -l <"$1")" -eq 1 ] || fail "not a one-line message"
}

test_tap_bad_invocations_are_one_line_errors() {
	local hello
	hello=$(guest_ukl hello)
	run_guest out.txt --net foo "$hello"
	expect_usage_error out.txt
	grep -q "bad --net 'foo' (user or tap)" out.txt || fail "wrong message"
	run_guest out.txt --net tap -p 7000:7 "$hello"
	expect_usage_error out.txt
	grep -q -- "-p goes with --net user" out.txt || fail "wrong message"
	run_guest out.txt --net-info info "$hello"
	expect_usage_error out.txt
	run_guest out.txt "$hello" --net
	expect_usage_error out.txt
	run_guest out.txt --net
	expect_usage_error out.txt
	# Without root: a clear message, nothing created. The runner is run
	# from a copy that user 65534 can read, wherever the checkout lives
	# (a clone under a mode-700 directory is out of its reach).
	local copy
	copy=$(mktemp -d)
	chmod 755 "$copy"
	cp -r "$UKL_ROOT/bin" "$UKL_ROOT/scripts" "$copy/"
	status=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$copy/bin/ukl" run --net tap "$hello" \
		>out.txt 2>&1 || status=$?
	rm -rf "$copy"
	cat out.txt
	expect_usage_error out.txt
	grep -q -- "--net tap needs root" out.txt || fail "wrong message"
	# The benchmarks refuse the same way, before building anything.
	status=0
	"$UKL" bench echo --net foo >out.txt 2>&1 || status=$?
	cat out.txt
	expect_usage_error out.txt
	status=0
	"$UKL" bench redis --net foo >out.txt 2>&1 || status=$?
	cat out.txt
	expect_usage_error out.txt
}

test_tap_bench_echo() {
	"$UKL" bench echo --rounds 1 --count 300 --warmup 20 --net tap --out results \
		>echo.out 2>&1 || { cat echo.out; fail "bench echo --net tap failed"; }
	cat echo.out
	tail -n 1 echo.out | grep -qE '^echo latency ukl/process: mean=[0-9.]+ p99=[0-9.]+$' ||
		fail "bench echo: wrong last line"
	[ "$(wc -l <results/ukl-1.csv)" -eq 301 ] || fail "not 300 samples in the CSV"
}

# redis-benchmark's 50 connections at once, over TAP, 2000 requests of
# GET and SET against each mode (with user networking, QEMU's listen
# backlog of 1 makes such a run stall for seconds: docs/results.md).
test_tap_bench_redis_50_connections_both_modes() {
	need_command redis-benchmark redis-tools
	"$UKL" bench redis --rounds 1 --requests 2000 --connections 50 --net tap \
		--client-timeout 600 --out results >redis.out 2>&1 ||
		{ cat redis.out; fail "bench redis failed"; }
	cat redis.out
	tail -n 1 redis.out | grep -qE '^redis ukl/process: get=[0-9.]+ set=[0-9.]+$' ||
		fail "bench redis: wrong last line"
	grep -qE '^redis process-tuned/process: get=[0-9.]+ set=[0-9.]+$' redis.out ||
		fail "bench redis: no ratio for the process with UKL's settings"
	for mode in ukl process process-tuned; do
		grep -qE "^redis round 1 $mode: get=[0-9]+ set=[0-9]+ requests/s" redis.out ||
			fail "no round line for $mode"
		grep -q '^"GET"' "results/$mode-1.csv" || fail "no GET in the $mode CSV"
	done
	grep -q 'Ready to accept connections' results/ukl-1.console || fail "redis (UKL) did not start"
}
