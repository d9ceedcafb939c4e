# The machine QEMU emulates for ukl run. Sourced by scripts/run.sh after
# lib.sh and runtime.sh.
#
# microvm (the default for UKL's own kernel): no PCI, no ACPI (QEMU names
# its virtio devices, which sit on MMIO, on the kernel command line, and
# its firmware lists the CPUs in an MP table); about 0.4 s sooner to the
# program under TCG than pc. pc: the PC with PCI that any
# kernel boots; a disk always boots on it, under UEFI firmware, and so
# does another kernel given with UKL_KERNEL (Debian's cloud kernel has its
# virtio drivers as modules).

# ukl_default_machine KIND : the machine an image of KIND (elf, bzimage,
# disk, userspace) boots on when neither --machine nor UKL_MACHINE says.
ukl_default_machine() {
	if [ "$1" = disk ] || { [ "$1" = userspace ] && [ -n "${UKL_KERNEL:-}" ]; }; then
		echo pc
	else
		echo microvm
	fi
}

# ukl_tsc_khz : the host's TSC rate in kHz, which a TCG guest's TSC runs
# at (measured once per host boot: runtime/tsc-khz.c).
ukl_tsc_khz() {
	local boot_id=unknown cached khz
	read -r boot_id </proc/sys/kernel/random/boot_id 2>/dev/null || true
	cached=$UKL_CACHE/host-tsc-khz-$boot_id
	if [ ! -s "$cached" ]; then
		mkdir -p "$UKL_CACHE"
		"$(ukl_runtime_tool tsc-khz tsc-khz.c)" >"$cached.tmp" || return 1
		mv "$cached.tmp" "$cached"
	fi
	read -r khz <"$cached"
	echo "$khz"
}

# ukl_machine_kernel_args MACHINE ACCEL ICOUNT OWN : kernel command-line
# words for what the machine lacks or what QEMU knows; OWN is 1 for UKL's
# own kernel (kernel/patches), 0 for another (UKL_KERNEL).
# - microvm, pci=off: it has no PCI, so the kernel need not probe the
#   ports of one (kernel patch 24 keeps it from calling the absence fatal).
# - microvm, acpi=off: the machine has none (ukl_machine_base_args), and
#   without the word the kernel prints "ACPI BIOS Error (bug): A valid
#   RSDP was not found" at error level, which quiet does not hide.
# - microvm under TCG, tsc_early_khz: with no HPET or PM timer to
#   calibrate the TSC against, the kernel marks it unstable and hangs on a
#   loaded host, so it is told the rate: the host's, or 1 GHz with
#   -icount shift=0 (one nanosecond per instruction). Under KVM, kvmclock
#   tells it. On pc, for UKL's own kernel only, which with kernel patch 26
#   then takes the CPU's rate from it too instead of polling the PIT for
#   up to 50 ms (20,000 to 190,000 port reads, each an exit); another
#   kernel keeps its own calibration, as a normal VM boots it.
# - microvm under TCG, tsc=reliable: TCG's TSC is the host's (or the
#   instruction count), as steady as the host clock, but the only watchdog
#   microvm leaves the kernel is jiffies, which lag on a loaded host; the
#   watchdog then marks the TSC unstable and the kernel falls back to
#   jiffies, a clock of 4 ms steps.
# - Under TCG, for UKL's own kernel, lapic_timer_khz=1000000 (kernel patch
#   27): TCG has no TSC deadline timer, so the kernel would spend 100 ms
#   of each boot measuring the rate of its local APIC timer, which in QEMU
#   always counts 1 GHz of the virtual clock (as KVM's does). Under KVM
#   the TSC deadline timer makes the measurement unneeded.
# - Under TCG, for UKL's own kernel, initmem_poison=0 (kernel patch 28):
#   filling the freed init text with int3 at the end of boot took TCG's
#   slow path for self-modifying code on each store into a page of it
#   until the fill had reached the page's last translated block, about
#   0.1 s. Under KVM the fill costs microseconds and is kept.
# - Under TCG, for UKL's own kernel, noreplace-smp: with one vCPU the
#   kernel rewrites the LOCK prefix of each of its 2,000 atomic
#   instructions, each rewrite a text poke with two page-table switches
#   (TCG flushes its TLB on each) and translated code to throw away. TCG
#   with one vCPU runs a locked instruction as fast as an unlocked one;
#   hardware does not, so under KVM the kernel still rewrites them.
ukl_machine_kernel_args() {
	local machine=$1 accel=$2 icount=$3 own=$4 khz words=()
	[ "$machine" != microvm ] || words+=(pci=off acpi=off)
	if [ "$accel" = tcg ] && { [ "$machine" = microvm ] || [ "$own" -eq 1 ]; }; then
		if [ "$icount" -eq 1 ]; then
			khz=1000000
		elif ! khz=$(ukl_tsc_khz); then
			# pc calibrates its TSC against its HPET; microvm cannot
			[ "$machine" = pc ] || return 1
			khz=""
		fi
		[ -z "$khz" ] || words+=("tsc_early_khz=$khz")
		[ "$machine" != microvm ] || words+=(tsc=reliable)
	fi
	[ "$accel" != tcg ] || [ "$own" -eq 0 ] ||
		words+=(lapic_timer_khz=1000000 initmem_poison=0 noreplace-smp)
	echo "${words[*]}"
}

# ukl_machine_base_args MACHINE CONSOLE STATUSFILE : set machine_args to
# QEMU's machine and serial ports: ttyS0 is the console (chardev CONSOLE),
# ttyS1 the status file ukl-init writes the exit status to. microvm makes
# only the first ISA serial port itself.
# microvm runs without ACPI (acpi=off): its tables only described the
# virtio devices, which QEMU then adds to the kernel command line
# (virtio_mmio.device=), and a power button; interpreting them was 45 ms
# of a 0.45 s boot under TCG (acpi_init, the GED and PnP drivers). The
# CPUs come from the firmware's MP table, and ukl-init, finding no ACPI,
# ends the VM with a reset, which -no-reboot turns into QEMU's exit.
ukl_machine_base_args() {
	local machine=$1 console=$2 status=$3 qemu_machine=$1
	[ "$machine" != microvm ] || qemu_machine=microvm,acpi=off
	machine_args=(-M "$qemu_machine" -display none -no-reboot -nodefaults
		-chardev "$console" -serial chardev:con)
	if [ "$machine" = microvm ]; then
		machine_args+=(-chardev "file,id=status,path=$status"
			-device isa-serial,chardev=status,iobase=0x2f8,irq=3)
	else
		machine_args+=(-serial "file:$status")
	fi
}

# ukl_machine_virtio MACHINE DEVICE : the QEMU device name of a virtio
# device (net, 9p) on MACHINE's bus: PCI on pc, MMIO on microvm.
ukl_machine_virtio() {
	if [ "$1" = microvm ]; then
		echo "virtio-$2-device"
	else
		echo "virtio-$2-pci"
	fi
}
