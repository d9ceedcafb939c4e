# Booting a disk from ukl package --disk: recognising one, checking that it
# is whole before the firmware sees it, and the firmware that boots it.
# Sourced by scripts/run.sh.

# Debian's OVMF (package ovmf), the UEFI firmware the clouds' VMs run too.
UKL_OVMF=${UKL_OVMF:-/usr/share/ovmf/OVMF.fd}

# ukl_disk_format FILE : print raw for a GPT disk, qcow2 for a qcow2 file,
# nothing for anything else.
ukl_disk_format() {
	if [ "$(ukl_bytes_hex "$1" 512 8)" = 4546492050415254 ]; then	# "EFI PART"
		echo raw
	elif [ "$(ukl_bytes_hex "$1" 0 4)" = 514649fb ]; then	# "QFI\xfb"
		echo qcow2
	fi
}

# ukl_disk_check DISK FORMAT SCRATCH : check DISK as the firmware will read
# it: the qcow2 container, the GPT, the EFI system partition, the kernel
# at \EFI\BOOT\BOOTX64.EFI and, on disks from ukl package, its checksum.
# On failure print one line saying what is wrong and return 1.
ukl_disk_check() {
	local disk=$1 format=$2 scratch=$3 raw where off want got
	raw=$disk
	if [ "$format" = qcow2 ]; then
		if ! qemu-img check -q -f qcow2 "$disk" >"$scratch/qemu-img.err" 2>&1; then
			printf 'a damaged or truncated qcow2 file (qemu-img check: %s)\n' \
				"$(grep -m1 . "$scratch/qemu-img.err" || echo failed)"
			return 1
		fi
		raw=$scratch/disk.raw
		qemu-img convert -q -f qcow2 -O raw "$disk" "$raw" 2>"$scratch/qemu-img.err" || {
			printf 'cannot read the qcow2 file (qemu-img convert: %s)\n' "$(grep -m1 . "$scratch/qemu-img.err")"
			return 1
		}
	fi
	where=$(python3 "$UKL_ROOT/scripts/check-disk.py" "$raw") || {
		printf 'not a bootable disk: %s\n' "$where"
		return 1
	}
	off=${where% *}
	if ! mcopy -n -i "$raw@@$off" ::/EFI/BOOT/BOOTX64.EFI "$scratch/BOOTX64.EFI" 2>/dev/null; then
		echo 'no \EFI\BOOT\BOOTX64.EFI on its EFI system partition (not a disk from ukl package?)'
		return 1
	fi
	if mcopy -n -i "$raw@@$off" ::/EFI/UKL/BOOTX64.SHA256 "$scratch/BOOTX64.SHA256" 2>/dev/null; then
		want=$(head -c 64 "$scratch/BOOTX64.SHA256")
		got=$(sha256sum <"$scratch/BOOTX64.EFI" | cut -c1-64)
		if [ "$want" != "$got" ]; then
			echo 'the kernel on its EFI system partition is damaged (checksum mismatch)'
			return 1
		fi
	fi
	rm -f "$scratch/disk.raw" "$scratch/BOOTX64.EFI" "$scratch/BOOTX64.SHA256"
}
