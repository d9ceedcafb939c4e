# Issue 12: ukl run --machine microvm, QEMU's machine without PCI: the
# program runs with its arguments, environment, status and shared
# directories as on pc, in both modes, and the guest really has no PCI
# (its virtio devices sit on MMIO). Bad uses are usage errors.

test_microvm_runs_both_modes_without_pci() {
	check_both hello 3 "argv[1]=one" --timeout 120 --machine microvm --verbose \
		-e GREETING=mmio -- one
	expect_line ukl.out "GREETING=mmio"
	expect_line user.out "GREETING=mmio"
	expect_no_oops ukl.out
	# The NIC came up (IP-Config names it) with no PCI device found: it
	# sits on MMIO. On pc the kernel lists every PCI function it finds.
	grep -q 'device=eth0' ukl.out || fail "the guest's NIC did not come up"
	! grep -q '^pci 0000:' ukl.out || fail "the guest found PCI devices"
	# Without the TSC rate on its command line (tsc_early_khz under TCG)
	# this boot would hang, so the program's status above proves it. A
	# later "Marking TSC unstable" from the clocksource watchdog is no
	# failure: it comes when a loaded host starves the vCPU of jiffies.
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
