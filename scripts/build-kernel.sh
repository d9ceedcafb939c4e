#!/bin/bash
# Unpack Debian's Linux 6.1, apply UKL's patch series, configure a small VM
# kernel and build it, all in the cache. Prints the build directory.
#
#   scripts/build-kernel.sh [--variant ukl|plain] [--fragment FILE]
#
# --fragment adds a config fragment after the variant's own, which it
# overrides: ukl-gcc --specialize passes the options its program does not
# need (scripts/specialize.sh). Such a kernel is cached under its own key,
# so each set of options is built once.
#
# The cache key is a hash of every input (package version, patches, config
# fragments, this script), so nothing is rebuilt when nothing changed, and a
# changed input gets a fresh tree. Stamps in the tree record finished steps;
# a step interrupted half-way is redone from its start. Every step runs in a
# clean environment (scripts/upstream.sh says why).
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upstream.sh"
. "$(dirname "$0")/kernel-config.sh"

variant=ukl
quiet=0
extra=""
while [ $# -gt 0 ]; do
	case "$1" in
	--variant) variant=${2:?--variant needs ukl or plain}; shift ;;
	--fragment)
		extra=${2:?--fragment needs a config fragment}
		[ -f "$extra" ] || ukl_die "build-kernel: no config fragment $extra"
		extra=$(readlink -f "$extra")
		shift ;;
	--quiet) quiet=1 ;;
	*) ukl_die "build-kernel: unknown option $1 (use --variant ukl|plain, --fragment FILE, --quiet)" ;;
	esac
	shift
done
fragments=$(ukl_kernel_fragments build-kernel "$variant")
name=$variant
[ -z "$extra" ] || name=$variant-spec
tarball=$ukl_linux_tarball
[ -f "$tarball" ] || ukl_die "$tarball not found; run: bin/ukl setup"
patchdir=$UKL_ROOT/kernel/patches
patches=$(ukl_kernel_patches)

# Bump when the build steps below change what they produce.
recipe=1
# shellcheck disable=SC2086 # lists of files
key=$( (ukl_pkg_version linux-source-6.1
	echo "$variant $recipe"
	ukl_hash "$patchdir/series" $patches $fragments
	# the extra fragment by its contents only: it is written in a
	# scratch directory
	[ -z "$extra" ] || cat "$extra") | sha256sum | cut -c1-16)
top=$UKL_CACHE/linux-$name-$key
src=$top/src
build=$top/build
mkdir -p "$top"
# One build of a tree at a time: a second caller waits, then finds it done.
ukl_build_lock "the $name kernel" "$top/.lock"
if [ -n "$extra" ]; then
	# kept in the tree, which outlives the caller's scratch copy
	cp "$extra" "$top/specialize.config"
	fragments="$fragments $top/specialize.config"
fi

if [ ! -f "$src/.ukl-patched" ]; then
	rm -rf "$src" "$build"
	ukl_say "kernel: unpacking $(basename "$tarball") (about 10s)"
	ukl_kernel_unpack "$top" "$src"
	for p in $patches; do
		ukl_say "kernel: applying $(basename "$p")"
		ukl_clean_env patch -d "$src" -p1 -s --no-backup-if-mismatch <"$p" ||
			ukl_die "patch $(basename "$p") does not apply to linux-source-6.1 $(ukl_pkg_version linux-source-6.1)"
	done
	touch "$src/.ukl-patched"
fi

if [ ! -f "$build/.ukl-configured" ]; then
	rm -rf "$build"
	mkdir -p "$build"
	ukl_say "kernel: configuring ($name)"
	# shellcheck disable=SC2086 # list of fragments
	ukl_kernel_configure "$src" "$build" "$top/config.log" $fragments
	touch "$build/.ukl-configured"
fi

if [ ! -f "$build/.ukl-built" ]; then
	total=$(cat "$UKL_CACHE/kernel-steps-$variant" 2>/dev/null || echo 0)
	ukl_say "kernel: building vmlinux ($name, $UKL_JOBS jobs; a cold build takes about 5 minutes on 2 cores)"
	ukl_run_logged "kernel build" "$top/build.log" "$total" \
		ukl_clean_env make -C "$src" O="$build" -j"$UKL_JOBS" vmlinux
	grep -c -E '^ *(CC|AS|LD|AR|CCLD|GEN) ' "$top/build.log" \
		>"$UKL_CACHE/kernel-steps-$variant" || true
	touch "$build/.ukl-built"
elif [ $quiet -eq 0 ] && [ -f "$build/.ukl-boot" ]; then
	ukl_say "kernel: up to date ($build)"
fi

# The real-mode and decompressor code of a bzImage, which
# scripts/make-bzimage.sh reuses to compress UKL images.
if [ ! -f "$build/.ukl-boot" ]; then
	ukl_say "kernel: building the bzImage boot code ($variant, a few seconds)"
	ukl_run_logged "kernel boot code" "$top/boot.log" 0 \
		ukl_clean_env make -C "$src" O="$build" -j"$UKL_JOBS" bzImage
	touch "$build/.ukl-boot"
fi
# Specialized kernels are trees of 1.5 GB each: keep the most recently
# used UKL_SPECIALIZED_KEEP (default 6), never one that is being built.
if [ -n "$extra" ]; then
	touch "$top/.ukl-used"
	for old in "$UKL_CACHE"/linux-*-spec-*; do
		[ -d "$old" ] || continue
		printf '%s %s\n' "$(stat -c %Y "$old/.ukl-used" 2>/dev/null || echo 0)" "$old"
	done | sort -rn | tail -n +$((${UKL_SPECIALIZED_KEEP:-6} + 1)) |
	while read -r _ old; do
		[ "$old" != "$top" ] || continue
		(exec 8>>"$old/.lock" && flock -n 8 && rm -rf "$old") || true
	done
fi
echo "$build"
