# Issue 12: ukl package. A UEFI disk that OVMF boots as it is, with the
# program's arguments and environment baked in; an OCI image layout that
# skopeo and umoci accept, its disk under /disk/ and its kernel at
# /boot/vmlinuz; a one-line error and nothing left behind on bad input.

# one_line FILE : FILE holds exactly one line (the error message).
one_line() {
	cat "$1"
	[ "$(grep -c . "$1")" -eq 1 ] || fail "not a one-line message"
}

# entries DIR : what DIR holds, hidden entries too, one a line.
entries() {
	ls -A "$1"
}

test_disk_boots_under_uefi_with_baked_arguments_raw_and_qcow2() {
	local image
	need_command mkfs.fat dosfstools
	need_command mcopy mtools
	need_command sfdisk fdisk
	need_command qemu-img qemu-utils
	image=$(guest_ukl status)
	"$UKL" package --disk disk.raw -e GREETING="hello there" "$image" -- 9 "two words" ||
		fail "ukl package --disk failed"
	# What the firmware reads: a GPT whose ESP holds \EFI\BOOT\BOOTX64.EFI,
	# a bzImage that is a PE (EFI) executable.
	sfdisk -d disk.raw | grep -q 'type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B' || fail "no EFI system partition"
	mcopy -n -i disk.raw@@1M ::/EFI/BOOT/BOOTX64.EFI boot.efi || fail "no BOOTX64.EFI"
	[ "$(head -c 2 boot.efi)" = MZ ] || fail "BOOTX64.EFI is not a PE executable"
	run_guest raw.out --timeout 600 disk.raw
	expect_status 9
	expect_line raw.out "argv[1]=9"
	expect_line raw.out "argv[2]=two words"
	expect_line raw.out "env GREETING=hello there"
	expect_no_oops raw.out
	"$UKL" package --disk disk.qcow2 --format qcow2 "$image" -- 11 || fail "ukl package --format qcow2 failed"
	qemu-img info disk.qcow2 | grep -q '^file format: qcow2' || fail "not a qcow2 file"
	run_guest qcow2.out --timeout 600 disk.qcow2
	expect_status 11
	expect_line qcow2.out "argv[1]=11"
	# --size: the disk grows, the partition table stays whole.
	"$UKL" package --disk big.raw --size 1G "$image" || fail "ukl package --size 1G failed"
	[ "$(stat -c %s big.raw)" -eq $((1024 * 1024 * 1024)) ] || fail "big.raw is not 1 GiB"
	python3 "$UKL_ROOT/scripts/check-disk.py" big.raw || fail "the 1 GiB disk does not check"
}

test_oci_layout_passes_skopeo_and_umoci_and_its_disk_boots() {
	local image disk
	need_command skopeo skopeo
	need_command umoci umoci
	image=$(guest_ukl status)
	"$UKL" package --oci oci -e MODE=oci "$image" -- 5 || fail "ukl package --oci failed"
	skopeo inspect oci:oci:latest >inspect.json || fail "skopeo inspect refused the layout"
	cat inspect.json
	grep -q '"Architecture": "amd64"' inspect.json || fail "not amd64"
	grep -q '"Os": "linux"' inspect.json || fail "not linux"
	grep -q '"com.urunc.unikernel.binary": "/boot/vmlinuz"' inspect.json || fail "no urunc label"
	skopeo inspect --raw oci:oci:latest >manifest.json
	grep -q '"com.urunc.unikernel.unikernelType": *"linux"' manifest.json || fail "no urunc annotation in the manifest"
	umoci unpack --image oci:latest bundle >/dev/null || fail "umoci unpack failed"
	# KubeVirt's containerDisk: one file under /disk/, the qemu user's.
	[ "$(entries bundle/rootfs/disk | wc -l)" -eq 1 ] || fail "not exactly one file in /disk/"
	disk=bundle/rootfs/disk/$(entries bundle/rootfs/disk)
	[ "$(stat -c %u:%g "$disk")" = 107:107 ] || fail "$disk is not owned by 107:107"
	[ -f bundle/rootfs/boot/vmlinuz ] || fail "no /boot/vmlinuz"
	base64 -d <<<"$(sed -n 's/.*"com.urunc.unikernel.binary":"\([^"]*\)".*/\1/p' bundle/rootfs/urunc.json)" |
		grep -qx /boot/vmlinuz || fail "urunc.json does not name the kernel"
	run_guest disk.out --timeout 600 "$disk"
	expect_status 5
	expect_line disk.out "env MODE=oci"
}

# KubeVirt's kernelBoot and urunc boot /boot/vmlinuz with a command line
# of their own: words given at boot replace the baked arguments and
# override the baked environment; without them the baked ones hold.
test_baked_arguments_yield_to_those_given_at_boot() {
	local image
	need_command umoci umoci
	image=$(guest_ukl status)
	"$UKL" package --oci oci -e A=baked -e B=baked "$image" -- 3 baked || fail "ukl package --oci failed"
	umoci unpack --image oci:latest bundle >/dev/null || fail "umoci unpack failed"
	run_guest baked.out --timeout 300 bundle/rootfs/boot/vmlinuz
	expect_status 3
	expect_line baked.out "argv[2]=baked"
	expect_line baked.out "env A=baked"
	run_guest given.out --timeout 300 -e B=given -e C=given bundle/rootfs/boot/vmlinuz -- 4
	expect_status 4
	grep -q 'argv\[2\]' given.out && fail "a baked argument survived the given ones"
	expect_line given.out "env A=baked"
	expect_line given.out "env B=given"
	expect_line given.out "env C=given"
	[ "$(grep -c '^env B=' given.out)" -eq 1 ] || fail "B is in the environment twice"
	# --elf, for engines that boot a vmlinux; packaging that again
	# replaces what was baked, it does not add to it.
	"$UKL" package --elf once.elf -e A=once "$image" -- 6 once || fail "ukl package --elf failed"
	"$UKL" package --elf twice.elf -e B=twice once.elf -- 8 || fail "ukl package of a packaged image failed"
	run_guest twice.out --timeout 300 twice.elf
	expect_status 8
	grep -q 'once' twice.out && fail "the first packaging's words survived the second"
	expect_line twice.out "env B=twice"
	# --bzimage with the other compression, from the same kernel build
	"$UKL" package --bzimage lz4.bz --compress lz4 "$image" -- 5 || fail "ukl package --compress lz4 failed"
	od -An -v -tx1 lz4.bz | tr -d ' \n' | grep -q 02214c18 || fail "no LZ4 stream in lz4.bz"
	run_guest lz4.out --timeout 300 lz4.bz
	expect_status 5
}

test_package_refuses_bad_input_in_one_line_and_leaves_nothing() {
	local image before
	image=$(guest_ukl status)
	mkdir out
	before=$(entries out)
	echo "not an image" >out/text
	"$UKL" package --disk out/d.raw out/text >err 2>&1 && fail "packaged a text file"
	one_line err
	"$UKL" package --disk out/d.raw "$(guest_userspace status)" >err 2>&1 && fail "packaged a normal program"
	one_line err
	grep -q "not a UKL image" err || fail "no reason given"
	"$UKL" package --disk out/d.raw out/missing >err 2>&1 && fail "packaged a missing file"
	one_line err
	mkdir out/exists
	"$UKL" package --oci out/exists "$image" >err 2>&1 && fail "packaged into an existing directory"
	one_line err
	grep -q "already exists" err || fail "no reason given"
	"$UKL" package --oci /proc/ukl-oci "$image" >err 2>&1 && fail "packaged into /proc"
	one_line err
	"$UKL" package --disk out/no/such/dir/d.raw "$image" >err 2>&1 && fail "packaged into a missing directory"
	one_line err
	"$UKL" package --disk out/d.raw --format vhd "$image" >err 2>&1 && fail "took --format vhd"
	one_line err
	"$UKL" package "$image" >err 2>&1 && fail "packaged with no output named"
	one_line err
	"$UKL" package --bzimage out/z.bz --compress zstd "$image" >err 2>&1 && fail "took --compress zstd"
	one_line err
	"$UKL" package --elf out/e.elf --compress lz4 "$image" >err 2>&1 && fail "took --compress for an ELF"
	one_line err
	rm out/text
	rmdir out/exists
	[ "$(entries out)" = "$before" ] || fail "left behind: $(entries out)"
	# Interrupted half-way: the staging directory goes with it.
	"$UKL" package --disk out/d.raw "$image" >err 2>&1 &
	sleep 2
	kill -TERM $!
	wait $! || true
	[ -z "$(entries out)" ] || [ "$(entries out)" = d.raw ] || fail "an interrupt left: $(entries out)"
}

test_run_names_a_truncated_or_damaged_disk_in_one_line() {
	local image size
	image=$(guest_ukl status)
	"$UKL" package --disk good.raw "$image" || fail "ukl package failed"
	size=$(stat -c %s good.raw)
	cp good.raw short.raw
	truncate -s $((size / 2)) short.raw
	run_guest out --timeout 60 short.raw
	expect_status 126
	one_line out
	grep -q "truncated" out || fail "the message does not say truncated"
	# The GPT header: its CRC no longer matches.
	cp good.raw gpt.raw
	printf 'XXXX' | dd of=gpt.raw bs=1 seek=600 conv=notrunc status=none
	run_guest out --timeout 60 gpt.raw
	expect_status 126
	grep -q "damaged" out || fail "the message does not say damaged"
	one_line out
	# A few bytes of the kernel on the ESP (2 MiB into the partition, in
	# the middle of BOOTX64.EFI): the checksum catches them.
	cp good.raw kernel.raw
	printf 'XXXX' | dd of=kernel.raw bs=1 seek=$((3 * 1024 * 1024)) conv=notrunc status=none
	mcopy -n -i good.raw@@1M ::/EFI/BOOT/BOOTX64.EFI before.efi
	mcopy -n -i kernel.raw@@1M ::/EFI/BOOT/BOOTX64.EFI after.efi
	! cmp -s before.efi after.efi || fail "the damage missed the kernel"
	run_guest out --timeout 60 kernel.raw
	expect_status 126
	one_line out
	grep -q "checksum" out || fail "the message does not name the checksum"
	# A truncated qcow2 file.
	qemu-img convert -q -f raw -O qcow2 good.raw good.qcow2
	cp good.qcow2 short.qcow2
	truncate -s $(( $(stat -c %s good.qcow2) / 2 )) short.qcow2
	run_guest out --timeout 60 short.qcow2
	expect_status 126
	one_line out
	# Options that need the command line are refused for a disk.
	run_guest out --timeout 60 good.raw -- 1
	expect_status 125
	run_guest out --timeout 60 -e A=1 good.raw
	expect_status 125
}
