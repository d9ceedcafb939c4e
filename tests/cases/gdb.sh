# Issue 12: "ukl run --gdb PORT", QEMU's gdb stub. gdb in batch mode
# stops in the application's main and in a kernel function it calls, and
# prints backtraces; the VM waits for the debugger before its first
# instruction.

# free_port : a TCP port nothing listens on at 127.0.0.1 now.
free_port() {
	local port
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 20000))
		if [ -z "$(ss -Htln "sport = :$port")" ]; then
			echo "$port"
			return
		fi
	done
	fail "no free TCP port found"
}

# wait_listen PORT PID : wait until something listens on PORT, as long
# as PID lives (at most 60 s).
wait_listen() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ -z "$(ss -Htln "sport = :$1")" ] || return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

test_gdb_stops_in_main_and_in_a_kernel_function() {
	local image port runner
	need_command gdb gdb
	need_command ss iproute2
	# -g: line numbers in the image
	image=$(guest_ukl status -g)
	port=$(free_port)
	"$UKL" run --gdb "$port" --timeout 240 "$image" -- 7 >console.log 2>&1 &
	runner=$!
	trap 'ukl_stop "$runner"' EXIT
	wait_listen "$port" "$runner" || { cat console.log; fail "the gdb stub never listened on $port"; }
	# Held at the first instruction: nothing is on the console yet.
	sleep 2
	! grep -q 'argv\[0\]' console.log || fail "the program ran before gdb continued"
	timeout 200 gdb -batch -nx \
		-ex "target remote 127.0.0.1:$port" \
		-ex 'break main' -ex continue -ex bt \
		-ex 'break ksys_write' -ex continue -ex 'bt 2' \
		-ex 'delete' -ex continue "$image" >gdb.out 2>&1 || true
	cat gdb.out
	grep -Eq '^Breakpoint 1, main \(argc=2, argv=0x[0-9a-f]+\) at .*status\.c:[0-9]+' gdb.out ||
		fail "gdb did not stop in main with its arguments and line"
	grep -Eq '^#0 +main \(argc=2' gdb.out || fail "no backtrace from main"
	grep -Eq '^Breakpoint 2, 0x[0-9a-f]+ in ksys_write \(\)' gdb.out ||
		fail "gdb did not stop in the kernel's ksys_write"
	# write takes the bypass, which calls the handler from the entry itself
	grep -Eq '^#1 .* in __ukl_syscall_irqs_off \(\)' gdb.out ||
		fail "the backtrace from ksys_write does not show the UKL system call entry"
	wait "$runner" || status=$?
	trap - EXIT
	cat console.log
	expect_status 7
	expect_line console.log "argv[1]=7"
}

test_gdb_port_is_checked() {
	run_guest out --gdb 0 "$(guest_ukl status)"
	expect_status 125
	grep -q "bad --gdb port" out || fail "no message for port 0"
	run_guest out --gdb 70000 "$(guest_ukl status)"
	expect_status 125
	run_guest out "$(guest_ukl status)" --gdb
	expect_status 125
}
