# Wild jumps by the program end as SIGSEGV (status 139), as they do for a
# normal process, never as a kernel oops: a call through a garbage pointer
# and a return to a smashed address take the fault with RIP outside the
# program's text, on the program's own stack.

# expect_segv_both HOW : "wild_jump HOW" dies of SIGSEGV in both modes and
# the UKL kernel prints no oops.
expect_segv_both() {
	run_guest ukl.out --timeout 120 "$(guest_ukl wild_jump)" -- "$1"
	expect_status 139
	expect_line ukl.out "wild_jump: $1"
	if grep -Eq 'Oops|BUG:|panic|general protection' ukl.out; then
		fail "the UKL kernel complained instead of sending SIGSEGV"
	fi
	run_guest user.out --timeout 120 --userspace "$(guest_userspace wild_jump)" -- "$1"
	expect_status 139
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
	if grep -Eq 'Oops|BUG:|panic' user.out; then
		fail "the kernel complained"
	fi
}
