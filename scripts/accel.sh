# Choosing QEMU's accelerator. KVM is used only after a probe boot under KVM
# has worked on this machine: /dev/kvm can exist and still fail to run a
# Linux guest (nested virtualisation). The answer is cached per host kernel
# and QEMU binary. Sourced; needs lib.sh and runtime.sh.

ukl_kvm_works() {
	local key osrelease=unknown answer kdir tmpd status
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	# The key: the host kernel's release and the QEMU binary's size, inode
	# and change time, which an upgrade or reinstall changes. (Asking
	# "qemu-system-x86_64 --version" took 30 to 50 ms of every run.)
	read -r osrelease </proc/sys/kernel/osrelease || true
	key=$osrelease-$(stat -L -c '%s-%i-%Z' "$(command -v qemu-system-x86_64)")
	answer=$UKL_CACHE/kvm-probe-${key//[^A-Za-z0-9._-]/_}
	if [ -f "$answer" ]; then
		read -r status <"$answer" || true
		[ "$status" = yes ]
		return
	fi
	kdir=$(ls -d "$UKL_CACHE"/linux-ukl-*/build 2>/dev/null | head -n 1)
	[ -n "$kdir" ] && [ -f "$kdir/.ukl-built" ] || return 1
	ukl_say "checking once whether KVM can boot a guest here (up to 20s)"
	tmpd=$(mktemp -d)
	ukl_initrd "$tmpd/initrd" "$(ukl_runtime_tool kvm-probe kvm-probe.c)"
	: >"$tmpd/status"
	# A subshell, so that bash does not report QEMU's abort on KVM errors.
	(timeout -k 2 20 qemu-system-x86_64 -M pc -accel kvm -cpu host -m 256M \
		-display none -no-reboot -nodefaults -serial null \
		-serial "file:$tmpd/status" -kernel "$kdir/vmlinux" \
		-initrd "$tmpd/initrd" -append "console=ttyS0 panic=-1 quiet" \
		</dev/null >/dev/null 2>&1 || true) 2>/dev/null
	status=$(tr -dc '0-9' <"$tmpd/status")
	rm -rf "$tmpd"
	if [ "$status" = 42 ]; then
		echo yes >"$answer"
		ukl_say "KVM works here: using it"
		return 0
	fi
	echo no >"$answer"
	ukl_say "KVM cannot boot a guest here: using TCG (software emulation)"
	return 1
}
