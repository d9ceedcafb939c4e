#!/bin/bash
# bin/ukl package: turn a UKL image into what a VM engine deploys, the
# program's arguments and environment baked in (docs/deploy.md).
#
#   ukl package --disk FILE [--format raw|qcow2] [--size SIZE] [OPTIONS] IMAGE [-- ARG...]
#   ukl package --oci DIR [OPTIONS] IMAGE [-- ARG...]
#   ukl package --elf FILE | --bzimage FILE [OPTIONS] IMAGE [-- ARG...]
#
# Everything is made in a staging directory beside the output and renamed
# into place at the end, so a failure or an interrupt leaves nothing
# behind, and an existing output is only ever replaced whole.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdline.sh"

usage() {
	cat <<'USAGE'
usage: ukl package --disk FILE [--format raw|qcow2] [--size SIZE] [OPTIONS] IMAGE [-- ARG...]
       ukl package --oci DIR [OPTIONS] IMAGE [-- ARG...]
       ukl package --elf FILE | --bzimage FILE [OPTIONS] IMAGE [-- ARG...]

  IMAGE          a UKL image from ukl-gcc (the ELF, not --bzimage)
  --disk FILE    a GPT disk that UEFI firmware boots as it is: OVMF,
                 the UEFI VMs of GCE, EC2 and Azure, KubeVirt with EFI;
                 replaces FILE if it exists
  --format F     raw (default) or qcow2
  --size SIZE    make the disk at least SIZE (e.g. 1G; clouds want whole
                 GiB); default: as small as it can be
  --oci DIR      an OCI image layout at DIR (which must not exist), tag
                 "latest": the disk (qcow2) under /disk/ for a KubeVirt
                 containerDisk, the kernel at /boot/vmlinuz for kernelBoot
                 and urunc; copy it anywhere with skopeo
  --elf FILE     the ELF image with the command line baked in, for engines
                 that boot a vmlinux (Firecracker, cloud-hypervisor, QEMU's
                 -kernel); replaces FILE if it exists
  --bzimage FILE the same as a compressed bzImage (also an EFI executable)
  --compress C   the bzImage's compression, for --bzimage, --disk and
                 --oci: xz (default, the smallest) or lz4 (decompresses
                 about 0.1 s sooner, 45% larger); UKL_COMPRESS sets it too
  -e KEY=VALUE   bake KEY=VALUE into the program's environment; repeatable
  --verbose      keep the kernel's boot messages on the console
  --tuning T     ukl (default): bake in the kernel settings a unikernel
                 takes as it owns the VM (docs/runner.md, "Tuning");
                 linux: Linux's own defaults
  -- ARG...      bake these arguments into the program's command line

At boot, ukl.arg=WORD words on the kernel command line replace the baked
arguments, and ukl.env=KEY=VALUE adds to or overrides the environment.
USAGE
}

usage_error() {
	printf 'ukl package: %s (see: ukl package --help)\n' "$1" >&2
	exit 125
}

die() {
	printf 'ukl package: %s\n' "$1" >&2
	exit 1
}

disk_out=""
oci_out=""
elf_out=""
bz_out=""
format=raw
size=0
verbose=0
compress_given=0
tuning=ukl
envs=()
image=""
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--disk) [ $# -ge 2 ] || usage_error "--disk needs a FILE"
		disk_out=$2; shift 2 ;;
	--oci) [ $# -ge 2 ] || usage_error "--oci needs a DIR"
		oci_out=$2; shift 2 ;;
	--elf) [ $# -ge 2 ] || usage_error "--elf needs a FILE"
		elf_out=$2; shift 2 ;;
	--bzimage) [ $# -ge 2 ] || usage_error "--bzimage needs a FILE"
		bz_out=$2; shift 2 ;;
	--format) [ $# -ge 2 ] || usage_error "--format needs raw or qcow2"
		case "$2" in raw | qcow2) ;; *) usage_error "bad --format '$2' (raw or qcow2)" ;; esac
		format=$2; shift 2 ;;
	--size) [ $# -ge 2 ] || usage_error "--size needs a size"
		[[ $2 =~ ^([1-9][0-9]{0,6})([KMG]?)$ ]] || usage_error "bad --size '$2' (examples: 64M, 1G)"
		case "${BASH_REMATCH[2]}" in
		K) size=$((BASH_REMATCH[1] * 1024)) ;;
		M) size=$((BASH_REMATCH[1] * 1024 * 1024)) ;;
		G) size=$((BASH_REMATCH[1] * 1024 * 1024 * 1024)) ;;
		*) size=${BASH_REMATCH[1]} ;;
		esac
		[ "$size" -le $((2 * 1024 ** 4)) ] || usage_error "--size '$2' is over 2 TiB"
		shift 2 ;;
	-e) [ $# -ge 2 ] || usage_error "-e needs KEY=VALUE"
		ukl_check_env_word "$2"
		envs+=("$2"); shift 2 ;;
	--compress) [ $# -ge 2 ] || usage_error "--compress needs xz or lz4"
		case "$2" in xz | lz4) ;; *) usage_error "bad --compress '$2' (xz or lz4)" ;; esac
		export UKL_COMPRESS=$2; compress_given=1; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--tuning) [ $# -ge 2 ] || usage_error "--tuning needs ukl or linux"
		case "$2" in ukl | linux) ;; *) usage_error "bad --tuning '$2' (ukl or linux)" ;; esac
		tuning=$2; shift 2 ;;
	--) usage_error "no IMAGE before --" ;;
	-*) usage_error "unknown option '$1'" ;;
	*) ukl_image_and_args "$@"
		break ;;
	esac
done
outputs=0
for o in "$disk_out" "$oci_out" "$elf_out" "$bz_out"; do
	[ -z "$o" ] || outputs=$((outputs + 1))
done
[ $outputs -gt 0 ] || usage_error "say what to make: --disk FILE, --oci DIR, --elf FILE or --bzimage FILE"
[ $outputs -eq 1 ] || usage_error "--disk, --oci, --elf and --bzimage go one at a time"
if [ -z "$disk_out" ]; then
	[ "$format" = raw ] && [ "$size" -eq 0 ] ||
		usage_error "--format and --size go with --disk (an OCI image always holds a qcow2 disk)"
fi
[ -n "$image" ] || usage_error "no IMAGE given"
case "${UKL_COMPRESS:-xz}" in
xz | lz4) ;;
*) usage_error "bad UKL_COMPRESS '$UKL_COMPRESS' (xz or lz4)" ;;
esac
[ -z "$elf_out" ] || [ "$compress_given" -eq 0 ] ||
	usage_error "--compress goes with --bzimage, --disk or --oci (an ELF is not compressed)"

# The image: a UKL kernel image with the marks ukl-gcc leaves.
[ -e "$image" ] || die "image $image not found"
[ -f "$image" ] && [ -r "$image" ] || die "$image: not a readable file"
if ukl_is_bzimage "$image"; then
	die "$image: a bzImage; give the ELF image (ukl-gcc without --bzimage), whose command line can be baked"
fi
[ "$(ukl_elf_kind "$image")" = kernel ] ||
	die "$image: not a UKL image (build it with ukl-gcc)"
nm "$image" 2>/dev/null | grep -q ' ukl_app_entry$' ||
	die "$image: a kernel without a UKL program (build it with ukl-gcc)"
[ -n "$(ukl_builtin_cmdline_offset "$image")" ] ||
	die "$image: has no built-in kernel command line to bake into (relink it with this ukl-gcc)"
builtin=$(ukl_builtin_cmdline "$image")

# The kernel build it was linked against (link-image.sh records it): the
# bzImage must be made with that build's boot code.
kb_line=$(LC_ALL=C readelf -SW "$image" 2>/dev/null | awk '$2 == ".ukl.kernel-build" { print $5, $6 }')
[ -n "$kb_line" ] || die "$image: does not say which kernel build it was linked against (relink it with this ukl-gcc)"
kb=$(dd if="$image" bs=1 skip=$((0x${kb_line% *})) count=$((0x${kb_line#* })) 2>/dev/null | head -n 1)
[ -f "$kb/arch/x86/boot/setup.bin" ] ||
	die "$image: its kernel build $kb is no longer in the cache; relink the image with ukl-gcc"
grep -q '^CONFIG_EFI_STUB=y' "$kb/.config" ||
	die "$image: its kernel was built without the EFI stub; relink the image with this ukl-gcc"

# What is baked in: the runner's console and power-off settings, network
# configuration by DHCP (engines and clouds serve it; an engine that
# passes ip= at boot overrides it), the tuning, then the program's words.
# The kernel's own built-in line starts it, not the image's: an image that
# was packaged before gets its words replaced, not doubled.
base=$(sed -n 's/^CONFIG_CMDLINE="\(.*\)"$/\1/p' "$kb/.config")
if [ -n "$base" ]; then
	case "$builtin" in
	"$base" | "$base "*) ;;
	*) die "$image: its built-in command line is not its kernel's ($base)" ;;
	esac
fi
line="$base${base:+ }console=ttyS0 panic=-1 reboot=t ip=dhcp"
[ $verbose -eq 1 ] || line+=" quiet"
[ "$tuning" = linux ] || line+=" $UKL_TUNING_ARGS"
for a in ${args[@]+"${args[@]}"}; do
	line+=" ukl.default_arg=$(encode_word "$a")"
done
for e in ${envs[@]+"${envs[@]}"}; do
	line+=" ukl.default_env=$(encode_word "$e")"
done
# Half the kernel's buffer, so the other half is left for what the
# engine or ukl run appends at boot.
[ ${#line} -lt $((UKL_BUILTIN_CMDLINE_SIZE / 2)) ] ||
	die "the arguments and environment are too long to bake in (${#line} bytes of kernel command line, limit $((UKL_BUILTIN_CMDLINE_SIZE / 2)))"

# The output and its staging directory beside it.
out=$disk_out$oci_out$elf_out$bz_out
out_dir=$(dirname "$out")
[ -d "$out_dir" ] || die "cannot write $out: directory $out_dir does not exist"
if [ -n "$oci_out" ] && [ -e "$oci_out" ]; then
	die "$oci_out already exists; give a new directory (or remove it first)"
fi
if [ -z "$oci_out" ] && [ -e "$out" ] && [ ! -f "$out" ]; then
	die "$out exists and is not a regular file"
fi
stage=$(mktemp -d "$out_dir/.ukl-package.XXXXXX" 2>/dev/null) ||
	die "cannot write $out: directory $out_dir is not writable"
trap 'rm -rf "$stage"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ukl_say "package: baking the command line into a copy of $image"
cp "$image" "$stage/image"
ukl_set_builtin_cmdline "$stage/image" "$line" || die "cannot write the command line into the copy of $image"
[ "$(ukl_builtin_cmdline "$stage/image")" = "$line" ] || die "the baked command line did not read back"

if [ -n "$elf_out" ]; then
	mv -f "$stage/image" "$elf_out"
	ukl_say "package: wrote $elf_out"
	exit 0
fi
ukl_say "package: compressing the kernel (bzImage with EFI stub)"
"$UKL_ROOT/scripts/make-bzimage.sh" "$kb" "$stage/image" "$stage/bzImage"

if [ -n "$bz_out" ]; then
	mv -f "$stage/bzImage" "$bz_out"
	ukl_say "package: wrote $bz_out"
elif [ -n "$disk_out" ]; then
	ukl_say "package: writing the $format disk"
	"$UKL_ROOT/scripts/make-disk.sh" "$stage/bzImage" "$stage/disk" "$format" "$size"
	mv -f "$stage/disk" "$disk_out"
	ukl_say "package: wrote $disk_out ($(du -h --apparent-size "$disk_out" | cut -f1), $(du -h "$disk_out" | cut -f1) on disk)"
else
	ukl_say "package: writing the OCI image layout"
	"$UKL_ROOT/scripts/make-disk.sh" "$stage/bzImage" "$stage/disk.qcow2" qcow2
	"$UKL_ROOT/scripts/make-oci.sh" "$stage/oci" "$stage/disk.qcow2" "$stage/bzImage" \
		"$(basename "$image")" ${args[@]+"${args[@]}"}
	mv "$stage/oci" "$oci_out"
	ukl_say "package: wrote $oci_out (skopeo inspect oci:$oci_out:latest)"
fi
