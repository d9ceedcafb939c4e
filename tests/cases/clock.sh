# Issue 10: the time functions without system calls. The UKL program has
# no vDSO; the kernel links the vDSO's clock functions into its text and
# UKL's glibc calls them (kernel patch 21, glibc's dl-vdso-setup.h).

# One vCPU: Linux reads the TSC, which the vDSO code can read, so none of
# the time functions may enter the kernel (syscall user dispatch would
# catch it), in both modes.
test_time_functions_right_and_without_system_calls() {
	check_both clock 0 "clock: ok" -- 1
	expect_line ukl.out "clock: the time functions made no system call"
	expect_line ukl.out "clock: settimeofday moved the realtime clocks, not the monotonic one"
}

# Two vCPUs: under TCG Linux finds the TSCs unsynchronized and reads the
# HPET, so the clocks take the fallback (a system call in both modes);
# values, getcpu and monotonicity across CPUs must still be right.
test_time_functions_on_two_cpus() {
	check_both clock 0 "clock: ok" --smp 2 -- 2
	expect_line ukl.out "clock: sched_getcpu and CLOCK_MONOTONIC right on 2 CPUs"
}
