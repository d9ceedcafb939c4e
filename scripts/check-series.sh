#!/bin/bash
# Check the kernel patch series the way a maintainer applies it: one patch
# at a time onto Debian's Linux 6.1, each checkpatch clean and each
# followed by a build of vmlinux, so that every point of the series builds
# (bisection needs that), not only its end.
#
#   scripts/check-series.sh [--variant ukl|plain]
#
# ukl (the default) builds with CONFIG_UNIKERNEL_LINUX on, plain with it
# off; both use the small VM config of the cached kernels. The tree lives
# in the cache and is unpacked afresh on each run. The first build is a
# cold one; the patches after it rebuild what they touch. Stops at the
# first patch that fails, naming it and its log.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upstream.sh"
. "$(dirname "$0")/kernel-config.sh"

variant=ukl
while [ $# -gt 0 ]; do
	case "$1" in
	--variant) variant=${2:?--variant needs ukl or plain}; shift ;;
	*) ukl_die "check-series: unknown option $1 (use --variant ukl|plain)" ;;
	esac
	shift
done
fragments=$(ukl_kernel_fragments check-series "$variant")
tarball=$ukl_linux_tarball
[ -f "$tarball" ] || ukl_die "$tarball not found; run: bin/ukl setup"
patches=$(ukl_kernel_patches)

top=$UKL_CACHE/series-check-$variant
src=$top/src
build=$top/build
mkdir -p "$top"
ukl_build_lock "the series check ($variant)" "$top/.lock"
rm -rf "$src" "$build" "$top/unpack" "$top"/*.log
ukl_say "series: unpacking $(basename "$tarball")"
mkdir -p "$build"
ukl_kernel_unpack "$top" "$src"

n=0
for path in $patches; do
	p=$(basename "$path")
	n=$((n + 1))
	ukl_clean_env patch -d "$src" -p1 -s --no-backup-if-mismatch <"$path" ||
		ukl_die "patch $p does not apply on top of the ones before it"
	(cd "$src" && ukl_clean_env perl scripts/checkpatch.pl --no-tree -q \
		"$path") >"$top/checkpatch-$n.log" 2>&1 ||
		ukl_die "patch $p is not checkpatch clean: $top/checkpatch-$n.log"
	# The option exists only from the first patch on, so configure after
	# it; later patches may change dependencies, which olddefconfig takes.
	if [ $n -eq 1 ]; then
		# shellcheck disable=SC2086 # list of fragments
		ukl_kernel_configure "$src" "$build" "$top/config.log" $fragments
	else
		ukl_clean_env make -s -C "$src" O="$build" olddefconfig \
			>>"$top/config.log" 2>&1
	fi
	ukl_run_logged "series: patch $n, $p" "$top/build-$n.log" 0 \
		ukl_clean_env make -C "$src" O="$build" -j"$UKL_JOBS" vmlinux
done
ukl_say "series: all $n patches apply, are checkpatch clean and build vmlinux ($variant)"
