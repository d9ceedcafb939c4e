# Nothing beside the UKL application reaches into it: it is kernel code, so
# ptrace, /proc/PID/mem or process_vm_writev on it would be kernel access.
# A normal process it starts tries them all, as root, and is refused; the
# start marker cannot be exec'ed again, traced or not. As a normal process
# the same attempts succeed (the test would notice a refusal that is not
# UKL's) and the target's stack word changes.

# intruder_file : the --add-file/--file argument for the intruder.
intruder_file() {
	echo "$(guest_userspace reach_intruder):/bin/intruder"
}

test_ptrace_proc_mem_process_vm_and_exec_of_the_marker_are_refused() {
	run_guest ukl.out --timeout 120 \
		"$(guest_ukl reach_target --add-file "$(intruder_file)")" -- refused
	expect_status 0
	expect_line ukl.out "reach_intruder: ptrace-attach: EPERM"
	expect_line ukl.out "reach_intruder: ptrace-seize: EPERM"
	# open() of /proc/PID/mem answers a refused access check with EACCES
	expect_line ukl.out "reach_intruder: proc-mem-write: EACCES"
	expect_line ukl.out "reach_intruder: process-vm-writev: EPERM"
	expect_line ukl.out "reach_intruder: process-vm-readv: EPERM"
	# Started already: busy. Traced: refused before that is even asked.
	expect_line ukl.out "reach_intruder: exec-marker: ETXTBSY"
	expect_line ukl.out "reach_intruder: traceme-exec-marker: EPERM"
	expect_line ukl.out "reach_target: word intact"
	expect_no_oops ukl.out
}

# The baseline: the same attempts on a normal process work, so the
# refusals above are UKL's and not the test's.
test_the_same_attempts_on_a_normal_process_succeed() {
	run_guest user.out --timeout 120 --file "$(intruder_file)" \
		--userspace "$(guest_userspace reach_target)" -- allowed
	expect_status 0
	expect_line user.out "reach_intruder: ptrace-attach: ok"
	expect_line user.out "reach_intruder: ptrace-seize: ok"
	expect_line user.out "reach_intruder: proc-mem-write: ok"
	expect_line user.out "reach_intruder: process-vm-writev: ok"
	expect_line user.out "reach_target: word changed"
}
