#!/bin/bash
# make-disk.sh BZIMAGE OUT raw|qcow2 [SIZE] : write OUT, a GPT disk whose
# only partition is an EFI system partition holding BZIMAGE as
# \EFI\BOOT\BOOTX64.EFI, the path UEFI firmware starts on a disk that has
# no boot entries of its own (the kernel's EFI stub makes the bzImage an
# EFI application). SIZE (bytes, or with K, M or G) makes the disk at
# least that large; the clouds want whole GiB. OUT is written in place:
# scripts/package.sh writes it in a staging directory and renames it.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -ge 3 ] && [ $# -le 4 ] || ukl_die "usage: make-disk.sh BZIMAGE OUT raw|qcow2 [SIZE]"
bzimage=$1
out=$2
format=$3
want=${4:-0}

mib=$((1024 * 1024))
# The ESP is FAT32, as the UEFI specification asks of a system partition
# (some firmware reads nothing else): at least 65525 clusters, so 40 MiB
# with 512-byte clusters, or more for a large kernel. Its zeros cost
# nothing: the raw file is sparse and qcow2 stores no unwritten cluster.
kernel_size=$(stat -c %s "$bzimage")
esp_mib=$(( (kernel_size * 2 + mib - 1) / mib ))
[ "$esp_mib" -ge 40 ] || esp_mib=40
# 1 MiB before the ESP (protective MBR, GPT, alignment), 1 MiB after it
# (the backup GPT at the end of the disk).
disk_bytes=$(( (esp_mib + 2) * mib ))
[ "$want" -le "$disk_bytes" ] || disk_bytes=$(( (want + mib - 1) / mib * mib ))

work=$(mktemp -d "${TMPDIR:-/tmp}/ukl-disk.XXXXXX")
trap 'rm -rf "$work"' EXIT

truncate -s $((esp_mib * mib)) "$work/esp.img"
mkfs.fat -F 32 -s 1 -n UKL "$work/esp.img" >/dev/null ||
	ukl_die "mkfs.fat could not make the EFI system partition"
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT ::/EFI/UKL
mcopy -i "$work/esp.img" "$bzimage" ::/EFI/BOOT/BOOTX64.EFI
# A checksum of the kernel, which ukl run checks before it boots the disk:
# a damaged kernel is then a message, not a firmware that silently stops.
sha256sum <"$bzimage" | cut -d' ' -f1 >"$work/sha256"
mcopy -i "$work/esp.img" "$work/sha256" ::/EFI/UKL/BOOTX64.SHA256

truncate -s "$disk_bytes" "$work/disk.raw"
printf 'label: gpt\nstart=2048, size=%d, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"\n' \
	$((esp_mib * mib / 512)) | sfdisk --quiet "$work/disk.raw" ||
	ukl_die "sfdisk could not write the partition table"
dd if="$work/esp.img" of="$work/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none

case "$format" in
raw) cp --sparse=always "$work/disk.raw" "$out" ;;
qcow2) qemu-img convert -q -f raw -O qcow2 "$work/disk.raw" "$out" ||
	ukl_die "qemu-img could not write the qcow2 disk" ;;
*) ukl_die "make-disk.sh: unknown format $format (raw or qcow2)" ;;
esac
