#!/bin/bash
# make-bzimage.sh KERNEL_BUILD VMLINUX OUT : write OUT, a compressed,
# bootable bzImage of VMLINUX (a UKL image linked against KERNEL_BUILD).
#
# UKL_COMPRESS=xz|lz4 picks the compression; by default it is the
# kernel's (CONFIG_KERNEL_XZ, kernel/ukl-vm.config): xz for the smallest
# image, lz4 for the quickest decompression (docs/deploy.md, "Size or
# speed").
#
# The kernel's own build makes a bzImage only of its own vmlinux. Its boot
# code is reused here, and the pieces that depend on the image are made
# again: the compressed payload (piggy.o, with the kernel's compressor),
# the decompressor's misc.o (it records the image's size), its link, and
# the real-mode header (it records the payload's offsets). Each is made
# with the command the kernel's build recorded in its .cmd file, in a
# scratch copy of the boot directory, so the cached kernel build is never
# touched.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || ukl_die "usage: make-bzimage.sh KERNEL_BUILD VMLINUX OUT"
kb=$1
vmlinux=$2
out=$3
boot=$kb/arch/x86/boot
[ -f "$boot/setup.bin" ] && [ -x "$boot/tools/build" ] ||
	ukl_die "the kernel build $kb has no boot code; run: bin/ukl build-kernel"
src=$(readlink -f "$kb/source")
[ -f "$src/Makefile" ] || ukl_die "cannot find the kernel source of $kb"

work=$(mktemp -d "${TMPDIR:-/tmp}/ukl-bzimage.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A scratch build root: the boot directory copied, headers, scripts and
# drivers shared, the image in the place of the kernel's vmlinux.
mkdir -p "$work/arch/x86"
cp -a "$boot" "$work/arch/x86/boot"
ln -s "$kb/arch/x86/include" "$work/arch/x86/include"
# include/ and include/generated/ as directories of links, so that the
# decompressor can be built against another autoconf.h (below).
mkdir -p "$work/include/generated"
for f in "$kb"/include/*; do
	[ "$f" = "$kb/include/generated" ] || ln -s "$f" "$work/include/"
done
for f in "$kb"/include/generated/*; do
	ln -s "$f" "$work/include/generated/"
done
ln -s "$kb/scripts" "$work/scripts"
# The EFI stub's library (drivers/firmware/efi/libstub), linked into the
# decompressor when the kernel has CONFIG_EFI_STUB.
ln -s "$kb/drivers" "$work/drivers"
ln -s "$(realpath "$vmlinux")" "$work/vmlinux"
cd "$work"

# recorded_command TARGET : the command the kernel's build used for TARGET
# (from its .cmd file; "$$" and "$(pound)" are make's escapes for "$", "#").
recorded_command() {
	local cmdfile
	cmdfile=$(dirname "$1")/.$(basename "$1").cmd
	[ -f "$cmdfile" ] || ukl_die "no recorded command for $1"
	sed -n '1s/^cmd_[^ ]* := //p' "$cmdfile" | sed -e 's/\$\$/$/g' -e 's/\$(pound)/#/g'
}

# recorded TARGET : run that command again
recorded() {
	recorded_command "$1" >"$work/cmd.sh"
	sh "$work/cmd.sh" || ukl_die "making $1 failed"
}

# little_endian_u32 N : N as four bytes, the size trailer the
# decompressor reads after the compressed payload.
little_endian_u32() {
	printf "$(printf '\\%03o' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"
}

c=arch/x86/boot/compressed
objcopy -R .comment -S vmlinux $c/vmlinux.bin
# The image's segments are page-aligned in the file; the decompressor
# wants each to claim the 2 MiB it relocates by (elf-load-align.py).
"$UKL_ROOT/scripts/elf-load-align.py" $c/vmlinux.bin 0x200000
# The compression the kernel's build configured, from its payload's name.
configured=$(ls $c/vmlinux.bin.* 2>/dev/null | head -n 1)
[ -f "$configured" ] || ukl_die "the kernel build has no compressed payload in $c"
configured=${configured##*.}
case "${UKL_COMPRESS:-$configured}" in
xz)
	suffix=xz option=XZ
	compress() { XZ=xz SRCARCH=x86 sh "$src/scripts/xz_wrap.sh"; }
	;;
lz4)
	suffix=lz4 option=LZ4
	compress() { lz4 -l -9 - -; }
	;;
*) ukl_die "UKL_COMPRESS=${UKL_COMPRESS:-}: unknown compression (use xz or lz4)" ;;
esac
# Another compression than the kernel's: the decompressor (misc.o) is
# built again for it, against a copy of autoconf.h whose CONFIG_KERNEL_*
# names it. xz and lz4 need the same boot heap, so nothing else changes.
if [ "$suffix" != "$configured" ]; then
	rm "$work/include/generated/autoconf.h"
	sed "s/^#define CONFIG_KERNEL_[A-Z0-9]* 1\$/#define CONFIG_KERNEL_$option 1/" \
		"$kb/include/generated/autoconf.h" >"$work/include/generated/autoconf.h"
	grep -q "^#define CONFIG_KERNEL_$option 1\$" "$work/include/generated/autoconf.h" ||
		ukl_die "cannot set CONFIG_KERNEL_$option for the decompressor"
fi
# The payload (the same commands as the kernel's build), then the
# uncompressed size.
payload=$c/vmlinux.bin.$suffix
size=$(stat -c %s $c/vmlinux.bin)
{
	compress <$c/vmlinux.bin
	little_endian_u32 "$size"
} >"$payload" || ukl_die "compressing the image failed"
$c/mkpiggy "$payload" >$c/piggy.S
recorded $c/piggy.o
recorded arch/x86/boot/voffset.h
recorded $c/misc.o
recorded $c/vmlinux
objcopy -O binary -R .note -R .comment -S $c/vmlinux arch/x86/boot/vmlinux.bin
recorded arch/x86/boot/zoffset.h
recorded arch/x86/boot/header.o
recorded arch/x86/boot/setup.elf
objcopy -O binary arch/x86/boot/setup.elf arch/x86/boot/setup.bin
arch/x86/boot/tools/build arch/x86/boot/setup.bin arch/x86/boot/vmlinux.bin \
	arch/x86/boot/zoffset.h "$work/bzImage" >/dev/null
cd - >/dev/null
mv "$work/bzImage" "$out"
