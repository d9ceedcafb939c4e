# Faults of the program end as the signal a normal process gets (the host
# sees 128+N), never as a kernel oops, a WARNING or a hang: wild jumps (a
# call through a garbage pointer, a return to a smashed address) take the
# fault with RIP outside the program's text, on the program's own stack;
# tests/guest/faults.c causes the other exceptions a program can raise.
# Each runs in both modes, the UKL image with --verbose so that the
# console shows the kernel's WARNINGs too.

# expect_both PROG STATUS ARGS... : "PROG ARGS..." prints "PROG: ARGS"
# and exits with STATUS in both modes, and the UKL kernel prints no oops.
expect_both() {
	local prog=$1 want=$2
	shift 2
	run_guest ukl.out --timeout 120 --verbose "$(guest_ukl "$prog")" -- "$@"
	expect_status "$want"
	expect_line ukl.out "$prog: $*"
	expect_no_oops ukl.out
	run_guest user.out --timeout 120 --userspace "$(guest_userspace "$prog")" -- "$@"
	expect_status "$want"
	expect_line user.out "$prog: $*"
}

# expect_segv_both HOW : "wild_jump HOW" dies of SIGSEGV in both modes.
expect_segv_both() {
	expect_both wild_jump 139 "$1"
}

test_call_through_an_unmapped_pointer_is_sigsegv() {
	expect_segv_both unmapped
}

test_call_through_a_noncanonical_pointer_is_sigsegv() {
	expect_segv_both noncanonical
}

test_jump_into_data_is_sigsegv() {
	expect_segv_both data
}

test_return_to_a_smashed_address_is_sigsegv() {
	expect_segv_both smashed-return
}

# A normal process beside UKL code paths: an IRET to user mode that faults
# (a signal return to a non-canonical address) arrives in ring 0 with the
# user's GS, and must still end as the process's SIGSEGV, not a hang.
test_faulting_iret_of_a_normal_process_is_sigsegv() {
	run_guest user.out --timeout 120 --userspace "$(guest_userspace bad_iret)"
	expect_status 139
	expect_line user.out "bad_iret: returning"
	expect_no_oops user.out
}

# A call to the entry of a kernel function (the address from
# /proc/kallsyms): in a process that address is the kernel's, so the call
# faults (SIGSEGV). A UKL program shares the kernel's page tables and
# ring, and calling kernel functions is what UKL is for: nothing can tell
# this call from a deliberate one, so it runs. A jump to any other place in
# kernel text is undefined, as in any kernel code, and is not tested (one
# to _stext, startup_64, resets the VM: ukl run's status 120).
test_call_into_kernel_text_runs_in_ukl_and_is_sigsegv_in_a_process() {
	run_guest ukl.out --timeout 120 --verbose "$(guest_ukl faults)" -- kernel-text
	expect_status 0
	# the kernel's console ends its lines with CR LF
	tr -d '\r' <ukl.out >console.out
	expect_line console.out "faults: the kernel's printk ran"
	expect_line ukl.out "faults: kernel-text returned"
	expect_no_oops ukl.out
	run_guest user.out --timeout 120 --userspace "$(guest_userspace faults)" -- kernel-text
	expect_status 139
	expect_line user.out "faults: kernel-text"
}

test_stack_overflow_in_main_is_sigsegv() {
	expect_both faults 139 recursion
}

test_stack_overflow_in_a_thread_is_sigsegv() {
	expect_both faults 139 thread-recursion
}

test_division_by_zero_is_sigfpe() {
	expect_both faults 136 divide
}

test_ud2_is_sigill() {
	expect_both faults 132 ud2
}

test_int3_is_sigtrap() {
	expect_both faults 133 int3
}

# The program's text is kernel text in UKL, read-only once the kernel has
# started (CONFIG_STRICT_KERNEL_RWX).
test_write_to_the_program_text_is_sigsegv() {
	expect_both faults 139 write-code
}

# The program's .rodata goes to .ukl.rodata in UKL, which must be as
# read-only as it is in a process.
test_write_to_a_static_const_is_sigsegv() {
	expect_both faults 139 write-rodata
}

# A single-step trap with no debugger: a process dies of SIGTRAP. In UKL
# the #DB comes from ring 0 and must still count as the program's.
test_trap_flag_without_a_handler_is_sigtrap() {
	expect_both faults 133 trap-flag
}

# The program's own signal return to a non-canonical RIP: the return
# (an IRET to ring 0 in UKL) or the first fetch faults, and either must
# end as the program's SIGSEGV.
test_sigreturn_to_a_noncanonical_rip_is_sigsegv() {
	expect_both faults 139 sigreturn-noncanonical
}

# arch_prctl(ARCH_SET_GS) sets the base a SWAPGS on the way to ring 3
# would load; a UKL program never goes there and its %gs stays the
# kernel's per-CPU base, so the call cannot do what it says and should
# fail (EINVAL) instead of succeeding silently.
test_arch_prctl_set_gs_is_einval_in_ukl() {
	run_guest ukl.out --timeout 120 --verbose "$(guest_ukl faults)" -- gs
	expect_status 0
	expect_line ukl.out "faults: arch_prctl(ARCH_SET_GS): Invalid argument"
	expect_no_oops ukl.out
	run_guest user.out --timeout 120 --userspace "$(guest_userspace faults)" -- gs
	expect_status 0
	expect_line user.out "faults: %gs:0 reads the new base"
}

# W^X: at boot the kernel checks that no mapping of its own, the program's
# text and read-only data included, is both writable and executable
# (CONFIG_DEBUG_WX).
test_no_kernel_mapping_is_writable_and_executable() {
	run_guest ukl.out --timeout 120 --verbose "$(guest_ukl hello)"
	expect_status 3
	grep -q 'Checked W+X mappings: passed, no W+X pages found' ukl.out ||
		fail "the kernel did not report a passed W+X check"
}
