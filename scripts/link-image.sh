#!/bin/bash
# Link a program (one relocatable object from ukl-gcc) into the cached UKL
# kernel and write a bootable image.
#
#   link-image.sh [--check-only | --bzimage] APP.o OUTPUT
#
# Steps: refuse undefined symbols the kernel would satisfy by accident;
# make every symbol of the program local except its entry point, so that
# its memcpy never meets the kernel's; build the initramfs (ukl-init as
# /init, the "\177UKL" marker as /app); link like the kernel's
# link-vmlinux.sh (three passes for kallsyms) against the kernel build's
# objects; check the result (scripts/check-image.sh). The kernel itself is
# never rebuilt here. --check-only stops after the symbol checks;
# --bzimage writes the checked image compressed (scripts/make-bzimage.sh).
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime.sh"

check_only=0
bzimage=0
case "${1:-}" in
--check-only) check_only=1; shift ;;
--bzimage) bzimage=1; shift ;;
esac
[ $# -eq 2 ] || ukl_die "usage: link-image.sh [--check-only | --bzimage] APP.o OUTPUT"
app=$1
out=$2

work=$(mktemp -d "${TMPDIR:-/tmp}/ukl-link.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ukl-gcc --specialize (UKL_SPECIALIZE=1): a kernel fitted to the program,
# and the program's calls routed through the refusal of the others
# (scripts/specialize.sh).
spec_kb=""
if [ "${UKL_SPECIALIZE:-0}" = 1 ] && [ $check_only -eq 0 ]; then
	[ -z "${UKL_KERNEL_BUILD:-}" ] ||
		ukl_die "ukl-gcc: --specialize builds its own kernel; unset UKL_KERNEL_BUILD"
	"$UKL_ROOT/scripts/specialize.sh" "$app" "$work/specialize" >"$work/specialized"
	spec_kb=$(sed -n 1p "$work/specialized")
	app=$(sed -n 2p "$work/specialized")
fi

# Symbols the program may leave undefined: the kernel's entry, its clock
# functions (UKL's glibc calls them in place of the vDSO's), and the ones
# the final link or the kernel's linker script define.
# __tls_get_addr: code compiled with -fPIC (libstdc++.a, for one) reaches
# its TLS through it, and no static libc defines it; the final link,
# which is not -shared, rewrites those accesses to the local-exec form
# and drops the calls. The kernel has no such symbol, so a call that is
# not rewritten fails the final link instead of binding to something.
allowed="__ukl_syscall __rela_iplt_start __rela_iplt_end _GLOBAL_OFFSET_TABLE_ __tls_get_addr"
allowed="$allowed __ukl_clock_gettime __ukl_gettimeofday __ukl_time __ukl_getcpu __ukl_clock_getres"

renames=$work/renames
: >"$renames"
missing=""
while read -r kind name; do
	case " $allowed " in *" $name "*) continue ;; esac
	case "$kind" in
	w | v)
		# A weak reference the program can live without: give it a
		# name no kernel symbol has, so that it stays unresolved.
		echo "$name __ukl_weak_$name" >>"$renames" ;;
	*) missing="$missing $name" ;;
	esac
done < <(nm -u "$app" | awk '{ print $1, $2 }')
if [ -n "$missing" ]; then
	for name in $missing; do
		printf 'ukl-gcc: undefined reference to `%s'"'"': neither the program nor UKL'"'"'s libc defines it\n' "$name" >&2
	done
	exit 1
fi

# Sections the kernel's linker script does not place would end up
# anywhere: refuse them.
stray=$(readelf -SW "$app" | awk '
	/^ *\[/ { sub(/^ *\[ *[0-9]+\] */, ""); name = $1; flags = $7
		if (flags ~ /A/ && name !~ /^\.ukl\./ && name != ".rodata.ukl") print name }')
[ -z "$stray" ] || ukl_die "ukl-gcc: the program has sections UKL cannot place: $stray"

grep -q ' _start$' < <(nm "$app") || ukl_die "ukl-gcc: the program has no _start (was crt1.o linked?)"
objcopy --redefine-syms="$renames" --redefine-sym _start=ukl_app_entry "$app" "$work/app1.o"
objcopy --keep-global-symbol=ukl_app_entry "$work/app1.o" "$work/app-local.o"

if [ $check_only -eq 1 ]; then
	cp "$work/app-local.o" "$out"
	exit 0
fi

# UKL_KERNEL_BUILD: a kernel build directory to link against instead of
# the cached one (for kernel development).
kb=$spec_kb
[ -n "$kb" ] || kb=${UKL_KERNEL_BUILD:-$("$UKL_ROOT/scripts/build-kernel.sh" --quiet)} || exit 1
grep -q '^CONFIG_UNIKERNEL_LINUX=y' "$kb/.config" ||
	ukl_die "the cached kernel ($kb) was built without CONFIG_UNIKERNEL_LINUX"
src=$(readlink -f "$kb/source")

# The initramfs: the launcher, the marker that starts the program, and the
# /etc a program expects (runtime/etc), as ukl_initrd gives a normal
# program. A file the program brings (--add-file HOST:/etc/passwd) replaces
# the default of that name.
printf '\177UKL\n' >"$work/marker"
cat >"$work/initramfs.list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /root 0700 0 0
dir /etc 0755 0 0
file /init $(ukl_init_binary) 0755 0 0
file /app $work/marker 0755 0 0
LIST
for etc_file in $(ukl_etc_files); do
	case " ${UKL_ADD_FILES:-} " in
	*":/etc/$(basename "$etc_file") "*) ;;
	*) echo "file /etc/$(basename "$etc_file") $etc_file 0644 0 0" >>"$work/initramfs.list" ;;
	esac
done
# Extra files (ukl-gcc --add-file HOST:GUEST), with their directories.
for pair in ${UKL_ADD_FILES:-}; do
	host=${pair%%:*}
	guest=${pair#*:}
	dir=$(dirname "$guest")
	while [ "$dir" != / ]; do
		grep -qx "dir $dir 0755 0 0" "$work/initramfs.list" ||
			echo "dir $dir 0755 0 0" >>"$work/dirs"
		dir=$(dirname "$dir")
	done
	echo "file $guest $(readlink -f "$host") 0755 0 0" >>"$work/files"
done
[ ! -f "$work/dirs" ] || sort -u "$work/dirs" >>"$work/initramfs.list"
[ ! -f "$work/files" ] || cat "$work/files" >>"$work/initramfs.list"
"$kb/usr/gen_init_cpio" "$work/initramfs.list" >"$work/initramfs.cpio"
cat >"$work/initramfs.S" <<ASM
	.section .init.ramfs,"a"
__irf_start:
	.incbin "$work/initramfs.cpio"
__irf_end:
	.section .init.ramfs.info,"a"
	.globl __initramfs_size
__initramfs_size:
	.quad __irf_end - __irf_start
	.section .note.GNU-stack,"",@progbits
ASM
gcc -c -o "$work/initramfs.o" "$work/initramfs.S"

# The kernel's objects, except its own (default) initramfs.
(cd "$kb" && ar t vmlinux.a) | grep -vx 'usr/initramfs_data.o' |
	sed "s|^|$kb/|" >"$work/objects"
# The flags kbuild passed to link-vmlinux.sh: "LD" "LDFLAGS" "LDFLAGS_vmlinux"
ldflags=$(sed -n 's/^cmd_vmlinux := .*link-vmlinux.sh "[^"]*" "\([^"]*\)" "\([^"]*\)".*/\1 \2/p' "$kb/.vmlinux.cmd")
[ -n "$ldflags" ] || ukl_die "cannot read the kernel's link flags from $kb/.vmlinux.cmd"
# Segments aligned to pages, not to 2 MiB, in the file: the linker script
# places every segment at its address already, so this changes only the
# file offsets, and the image loses the up to 2 MiB of zeros before each.
ldflags="$ldflags -z max-page-size=0x1000"

link() {
	# shellcheck disable=SC2086 # ldflags is a list of flags
	ld $ldflags --script="$kb/arch/x86/kernel/vmlinux.lds" -o "$1" \
		@"$work/objects" --start-group "$kb/lib/lib.a" "$kb/arch/x86/lib/lib.a" \
		--end-group "$kb/init/version-timestamp.o" "$work/app-local.o" \
		"$work/initramfs.o" ${2:+"$2"} 2>"$work/ld.err" ||
		{ cat "$work/ld.err" >&2; ukl_die "ukl-gcc: linking the kernel image failed"; }
	grep -v 'orphan section' "$work/ld.err" >&2 || true
}
# The options link-vmlinux.sh derives from the kernel's config.
kallsyms_opts=""
for pair in KALLSYMS_ALL:--all-symbols KALLSYMS_ABSOLUTE_PERCPU:--absolute-percpu \
	KALLSYMS_BASE_RELATIVE:--base-relative; do
	if grep -q "^CONFIG_${pair%%:*}=y" "$kb/.config"; then
		kallsyms_opts="$kallsyms_opts ${pair#*:}"
	fi
done
kallsyms_pass() {
	NM=nm sh "$src/scripts/mksysmap" "$1" "$1.syms" 2>/dev/null
	# shellcheck disable=SC2086 # a list of options
	"$kb/scripts/kallsyms" $kallsyms_opts "$1.syms" >"$1.S"
	gcc -nostdinc -I"$src/arch/x86/include" -I"$kb/arch/x86/include/generated" \
		-I"$src/include" -I"$kb/include" -I"$src/arch/x86/include/uapi" \
		-I"$kb/arch/x86/include/generated/uapi" -I"$src/include/uapi" \
		-I"$kb/include/generated/uapi" -include "$src/include/linux/kconfig.h" \
		-D__KERNEL__ -D__ASSEMBLY__ -c -o "$1.o" "$1.S"
}
link "$work/vmlinux.1"
kallsyms_pass "$work/vmlinux.1"
link "$work/vmlinux.2" "$work/vmlinux.1.o"
kallsyms_pass "$work/vmlinux.2"
if [ "$(stat -c %s "$work/vmlinux.1.o")" != "$(stat -c %s "$work/vmlinux.2.o")" ]; then
	link "$work/vmlinux.3" "$work/vmlinux.2.o"
	kallsyms_pass "$work/vmlinux.3"
	last=$work/vmlinux.3.o
else
	last=$work/vmlinux.2.o
fi
link "$work/image" "$last"
"$kb/scripts/sorttable" "$work/image"

"$UKL_ROOT/scripts/check-image.sh" "$work/image"
# The kernel build the image was linked against, for ukl package, which
# makes the image's bzImage with that build's boot code. Not loaded: a
# section without the alloc flag is only in the file.
printf '%s\n' "$(cd "$kb" && pwd -P)" >"$work/kernel-build"
objcopy --add-section .ukl.kernel-build="$work/kernel-build" "$work/image"
if [ $bzimage -eq 1 ]; then
	"$UKL_ROOT/scripts/make-bzimage.sh" "$kb" "$work/image" "$out.tmp"
else
	mv "$work/image" "$out.tmp"
fi
mv "$out.tmp" "$out"
