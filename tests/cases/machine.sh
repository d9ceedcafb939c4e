# Issue 12: QEMU's microvm machine, without PCI, is ukl run's default; pc
# stays available with --machine pc. The program runs with its arguments,
# environment, status and shared directories alike on both, in both modes,
# and on microvm the guest really has no PCI (its virtio devices sit on
# MMIO). Bad uses are usage errors.

# expect_clean_microvm_boot FILE : FILE, a verbose boot log, is microvm's:
# the NIC came up (IP-Config names it) with no PCI device found, and the
# kernel neither called the missing PCI fatal (pci=off, kernel patch 24)
# nor gave up on its TSC (tsc=reliable under TCG: a loaded host starves
# the vCPU of the jiffies the watchdog would compare against).
expect_clean_microvm_boot() {
	grep -q 'device=eth0' "$1" || fail "the guest's NIC did not come up"
	! grep -q '^pci 0000:' "$1" || fail "the guest found PCI devices"
	! grep -q 'PCI: Fatal' "$1" || fail "the kernel called the missing PCI fatal"
	! grep -q 'Marking TSC unstable' "$1" || fail "the kernel marked the TSC unstable"
}

test_microvm_is_the_default_and_runs_both_modes_without_pci() {
	check_both hello 3 "argv[1]=one" --timeout 120 --verbose \
		-e GREETING=mmio -- one
	expect_line ukl.out "GREETING=mmio"
	expect_line user.out "GREETING=mmio"
	expect_no_oops ukl.out
	expect_clean_microvm_boot ukl.out
	expect_clean_microvm_boot user.out
	# Said explicitly, the same.
	run_guest out --timeout 120 --machine microvm --verbose "$(guest_ukl hello)"
	expect_status 3
	expect_clean_microvm_boot out
}

test_pc_is_still_there_with_pci() {
	check_both hello 3 "argv[1]=two" --timeout 120 --machine pc --verbose -- two
	# On pc the kernel lists every PCI function it finds.
	grep -q '^pci 0000:' ukl.out || fail "no PCI devices on pc"
	grep -q 'device=eth0' ukl.out || fail "the guest's NIC did not come up on pc"
	UKL_MACHINE=pc run_guest out --timeout 120 --verbose "$(guest_ukl hello)"
	expect_status 3
	grep -q '^pci 0000:' out || fail "UKL_MACHINE=pc did not boot pc"
}

test_microvm_shares_a_directory_and_runs_two_vcpus() {
	mkdir share
	echo "from the host" >share/in
	run_guest out --timeout 120 --machine microvm --smp 2 -v "$PWD/share:/data" \
		"$(guest_ukl volumes)" -- cat /data/in write /data/out written
	expect_status 0
	expect_line out "cat /data/in: from the host"
	[ "$(cat share/out)" = written ] || fail "the guest's write did not reach the host"
	run_guest out --timeout 120 --machine microvm --smp 2 "$(guest_ukl threads)"
	expect_status 0
}

# Under TCG, which has neither kvmclock nor the TSC deadline timer, the
# runner tells UKL's kernel the TSC's rate (tsc_early_khz, which kernel
# patch 26 takes for the CPU's rate too) and the local APIC timer's
# (lapic_timer_khz, patch 27): the boot then neither polls the PIT for
# the CPU's frequency (native_calibrate_cpu_early, up to 50 ms) nor counts
# the APIC timer against the TSC for 100 ms (lapic_cal_handler, called on
# each tick of that loop). A snapshot at either would mean it ran.
test_tcg_boot_skips_the_timer_calibrations() {
	local image m
	image=$(guest_ukl hello)
	for m in microvm pc; do
		run_guest $m.out --timeout 120 --accel tcg --machine $m --count $m.counts \
			--count-at native_calibrate_cpu_early --count-at lapic_cal_handler "$image"
		expect_status 3
		cat $m.counts
		grep -q '^ukl-count .* at=exit ' $m.counts || fail "$m: no counts"
		! grep -q ' at=native_calibrate_cpu_early ' $m.counts ||
			fail "$m: the kernel measured the CPU's frequency against the PIT"
		! grep -q ' at=lapic_cal_handler ' $m.counts ||
			fail "$m: the kernel calibrated its local APIC timer"
	done
}

test_bad_machine_and_microvm_with_a_disk_are_usage_errors() {
	run_guest out --machine q35 "$(guest_ukl hello)"
	expect_status 125
	grep -q "bad --machine 'q35'" out || fail "no message naming the bad machine"
	need_command mkfs.fat dosfstools
	need_command mcopy mtools
	need_command sfdisk fdisk
	"$UKL" package --disk disk.raw "$(guest_ukl hello)" || fail "ukl package --disk failed"
	run_guest out --machine microvm disk.raw
	expect_status 125
	grep -q 'microvm' out || fail "no message naming microvm"
}
