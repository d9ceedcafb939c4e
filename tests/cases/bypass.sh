# Issue 10: the bypass (kernel patch 23). A UKL system call with no entry
# work runs its handler directly, with a partial register frame; these
# tests check what it must keep: signals that arrive during the call and
# every register across them, /proc/PID/syscall of a blocked call, a
# seccomp filter the program installs, and the normal system call path of
# a traced helper process beside it. The same program as a normal process
# is the baseline. tests/guest/bypass.c says what each check does.

# tracer_file : the --add-file/--file argument for the tracing helper.
tracer_file() {
	echo "$(guest_userspace tracer):/bin/tracer"
}

# expect_bypass_lines FILE : the lines of a full bypass run.
expect_bypass_lines() {
	expect_line "$1" "bypass: ok"
	grep -q "^bypass: [0-9]* signals during [0-9]* calls, registers intact$" "$1" ||
		fail "no line about signals during the calls"
	grep -q "^bypass: a blocked read shows as 0 0x" "$1" ||
		fail "no /proc/PID/syscall line"
	grep -q "^bypass: seccomp stopped getppid: EPERM" "$1" || fail "no seccomp line"
	grep -q "^tracer: saw getppid enter and return [0-9]*$" "$1" || fail "no tracer line"
}

test_bypassed_calls_keep_signals_proc_syscall_and_seccomp() {
	run_guest ukl.out --timeout 300 --smp 2 \
		"$(guest_ukl bypass --add-file "$(tracer_file)")" -- tracer /bin/tracer
	expect_status 0
	expect_bypass_lines ukl.out
	expect_no_oops ukl.out
}

test_the_same_checks_pass_as_a_normal_process() {
	run_guest user.out --timeout 300 --smp 2 --file "$(tracer_file)" \
		--userspace "$(guest_userspace bypass)" -- tracer /bin/tracer
	expect_status 0
	expect_bypass_lines user.out
}

# The proof that the bypass is taken: the plugin snapshots every run of
# getppid's handler and of do_ukl_syscall(), the C entry that every call
# went through before the bypass. 300 calls run the handler 300 times and
# the C entry only for the few start-up calls that need the whole frame.
test_getppid_runs_its_handler_without_the_c_entry() {
	local image handler c_entry
	image=$(guest_ukl bypass)
	"$UKL" run --timeout 180 --count run.counts --count-at __x64_sys_getppid \
		--count-at do_ukl_syscall "$image" -- calls 300 >console.log 2>&1 ||
		{ cat console.log; fail "the run failed"; }
	grep -qxF "bypass: 300 calls made" console.log || { cat console.log; fail "no calls line"; }
	handler=$(grep -c '^ukl-count .* at=__x64_sys_getppid ' run.counts || true)
	c_entry=$(grep -c '^ukl-count .* at=do_ukl_syscall ' run.counts || true)
	echo "getppid handler: $handler runs, do_ukl_syscall: $c_entry runs"
	[ "$handler" -ge 300 ] || fail "getppid's handler ran $handler times, expected 300 or more"
	[ "$c_entry" -lt 30 ] || fail "do_ukl_syscall ran $c_entry times: the calls did not take the bypass"
}
