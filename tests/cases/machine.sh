# Issue 12: QEMU's microvm machine, without PCI, is ukl run's default; pc
# stays available with --machine pc. The program runs with its arguments,
# environment, status and shared directories alike on both, in both modes,
# and on microvm the guest really has no PCI or ACPI (its virtio devices
# sit on MMIO). Bad uses are usage errors.

# expect_clean_microvm_boot FILE : FILE, a verbose boot log, is microvm's:
# the NIC came up (IP-Config names it) with no PCI device found and
# without ACPI (microvm,acpi=off: QEMU names the virtio devices on the
# command line), and the kernel neither called the missing PCI fatal
# (pci=off, kernel patch 24) nor complained of the missing ACPI tables
# (acpi=off) nor gave up on its TSC (tsc=reliable under TCG: a loaded
# host starves the vCPU of the jiffies the watchdog would compare
# against).
expect_clean_microvm_boot() {
	grep -q 'device=eth0' "$1" || fail "the guest's NIC did not come up"
	! grep -q '^pci 0000:' "$1" || fail "the guest found PCI devices"
	! grep -q 'PCI: Fatal' "$1" || fail "the kernel called the missing PCI fatal"
	grep -q 'ACPI: Interpreter disabled' "$1" || fail "the guest ran with ACPI"
	grep -q 'virtio-mmio: Registering device' "$1" ||
		fail "the kernel found no virtio device on its command line"
	! grep -q 'ACPI BIOS Error' "$1" || fail "the kernel complained of the missing ACPI tables"
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

# Under TCG the runner also gives UKL's kernel initmem_poison=0 (kernel
# patch 28) and noreplace-smp. The kernel then frees its init memory
# without filling it with int3, which took one counted store per byte,
# each on TCG's slow path for self-modifying code where the init text had
# been; and with one vCPU it leaves the LOCK prefixes of its atomic
# instructions in place instead of rewriting each (2,000 text pokes, each
# with two page-table switches), which under TCG gains nothing. Between
# the last free_reserved_area before mark_rodata_ro and that call the fill
# counted as many instructions as the init memory has bytes; without it,
# a few per page.
test_tcg_boot_leaves_init_memory_and_lock_prefixes_as_they_are() {
	local image m begin end init_bytes freeing
	image=$(guest_ukl hello)
	begin=$(nm "$image" | awk '$3 == "__init_begin" { print $1 }')
	end=$(nm "$image" | awk '$3 == "__init_end" { print $1 }')
	if [ -z "$begin" ] || [ -z "$end" ]; then
		fail "no __init_begin or __init_end in the image"
	fi
	init_bytes=$((0x$end - 0x$begin))
	for m in microvm pc; do
		run_guest $m.out --timeout 120 --accel tcg --machine $m --count $m.counts \
			--count-at free_reserved_area --count-at mark_rodata_ro \
			--count-at __text_poke "$image"
		expect_status 3
		grep -q '^ukl-count .* at=exit ' $m.counts || fail "$m: no counts"
		freeing=$(awk '
			function insns(i) { for (i = 1; i <= NF; i++) if ($i ~ /^insns=/) return substr($i, 7) }
			/ at=free_reserved_area / { last = insns() }
			/ at=mark_rodata_ro / { if (last != "") print insns() - last; exit }' $m.counts)
		[ -n "$freeing" ] || fail "$m: no snapshots around the freeing of the init memory"
		echo "$m: $freeing instructions to free $init_bytes bytes of init memory"
		[ "$freeing" -lt $((init_bytes / 2)) ] ||
			fail "$m: the kernel filled its freed init memory ($freeing instructions)"
		! grep -q ' at=__text_poke ' $m.counts ||
			fail "$m: the kernel rewrote its text for one CPU"
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
