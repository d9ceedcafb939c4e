# Issue 10: the counting plugin (ukl run --count, docs/measuring.md)
# counts real work, in the right class: tests/guest/count_loop.c runs
# loops of a known length between guest markers, as a UKL image (its code
# in .ukl.text) and as a normal process (its code in the user half).

# field FILE N NAME : the value of NAME in the N-th count line of FILE
# (from 1), or nothing.
field() {
	awk -v n="$2" -v k="$3" '$1 == "ukl-count" && ++i == n {
		for (j = 2; j <= NF; j++) if (index($j, k "=") == 1) print substr($j, length(k) + 2) }' "$1"
}

# delta FILE A B NAME : NAME in line B minus NAME in line A
delta() {
	echo $(( $(field "$1" "$3" "$4") - $(field "$1" "$2" "$4") ))
}

# within VALUE WANT PERMILLE : VALUE is WANT give or take PERMILLE/1000
within() {
	local v=$1 want=$2 tol=$(( $2 * $3 / 1000 ))
	[ "$v" -ge $((want - tol)) ] && [ "$v" -le $((want + tol)) ]
}

# check_loops FILE MODE : the four marker lines and the exit line are
# there, and the loops' instructions are the application's.
check_loops() {
	local f=$1 mode=$2 k=1000000 d1 d2 other
	cat "$f"
	[ "$(grep -c '^ukl-count .* at=marker ' "$f")" -eq 4 ] || fail "$mode: not 4 marker lines"
	grep -q '^ukl-count .* at=exit ' "$f" || fail "$mode: no exit line"
	d1=$(delta "$f" 1 2 insns_app)
	d2=$(delta "$f" 2 3 insns_app)
	echo "$mode: app instructions: loop of $k: $d1, loop of $((3 * k)): $d2"
	# two instructions per iteration, a few more around the markers
	within "$d1" $((2 * k)) 5 || fail "$mode: loop of $k counted $d1 app instructions, not about $((2 * k))"
	within "$((d2 - d1))" $((4 * k)) 5 || fail "$mode: 2K more iterations counted $((d2 - d1)) more, not about $((4 * k))"
	# nothing of the loop went to another class
	for c in insns_kernel insns_user insns_idle insns_boot; do
		other=$(delta "$f" 1 3 "$c")
		[ "$other" -lt $((k / 20)) ] || fail "$mode: $c grew by $other during the loops"
	done
	# the console line is written with port I/O to the UART
	[ "$(delta "$f" 3 4 pio)" -gt 0 ] || fail "$mode: no port I/O for a console line"
	# and over the whole run: interrupts, idle HLTs, system calls
	for c in irqs hlt syscalls; do
		[ "$(field "$f" 5 "$c")" -gt 0 ] || fail "$mode: no $c counted"
	done
}

test_count_loops_are_application_instructions_in_both_modes() {
	run_guest ukl.out --timeout 120 --count ukl.counts "$(guest_ukl count_loop)" -- 1000000
	expect_status 0
	expect_line ukl.out "count_loop: done"
	check_loops ukl.counts ukl
	run_guest user.out --timeout 120 --count user.counts --userspace "$(guest_userspace count_loop)" -- 1000000
	expect_status 0
	expect_line user.out "count_loop: done"
	check_loops user.counts process
	# The UKL image's application runs in the kernel half, in .ukl.text;
	# the process's in the user half, where the UKL run has only ukl-init.
	[ "$(field ukl.counts 5 insns_user)" -lt 1000000 ] || fail "ukl: much user-half code"
}

test_count_host_snapshots_and_symbol_snapshots() {
	local image reply
	image=$(guest_ukl count_loop)
	"$UKL" run --timeout 120 --count run.counts --count-socket ctl.sock \
		--count-at redirected_tty_write "$image" -- 1000 wait >console.log 2>&1 &
	pid=$!
	# wait for the program's last line, then ask for two snapshots
	for _ in $(seq 1 100); do
		grep -q "count_loop: done" console.log && break
		sleep 0.5
	done
	grep -q "count_loop: done" console.log || { kill "$pid"; cat console.log; fail "the guest did not start"; }
	reply=$(python3 - ctl.sock <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
for label in ("one", "two words"):
    f.write(label + "\n")
    f.flush()
    print(f.readline().strip())
PY
	) || { kill "$pid"; fail "no answer on the socket"; }
	kill "$pid"
	wait "$pid" || true
	echo "$reply"
	cat run.counts
	[ "$(echo "$reply" | grep -c '^ukl-count .* at=one ')" -eq 1 ] || fail "no reply for 'one'"
	[ "$(echo "$reply" | grep -c '^ukl-count .* at=two_words ')" -eq 1 ] || fail "no reply for 'two words'"
	grep -q '^ukl-count .* at=one ' run.counts || fail "snapshot 'one' not in the file"
	# two console lines of the program, each a write to /dev/console
	[ "$(grep -c '^ukl-count .* at=redirected_tty_write ' run.counts)" -ge 2 ] ||
		fail "fewer than 2 snapshots at redirected_tty_write"
}

test_count_refuses_kvm_and_bzimage() {
	run_guest out --accel kvm --count x.counts "$(guest_ukl hello)"
	expect_status 125
	grep -q -- "--count needs TCG" out || fail "no reason given"
	run_guest out --count x.counts "$(guest_ukl hello --bzimage)"
	expect_status 126
	grep -q "ELF image" out || fail "no reason given for the bzImage"
	run_guest out --count-at main "$(guest_ukl hello)"
	expect_status 125
}
