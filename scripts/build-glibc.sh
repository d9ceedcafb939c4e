#!/bin/bash
# Build glibc 2.36 from Debian's glibc-source with UKL's patch and without
# the red zone, in the cache. Prints the directory that holds the static
# libraries and start files UKL links applications with:
#   lib/libc.a (without the user-space fallback for __ukl_syscall),
#   lib/libm.a lib/libpthread.a lib/librt.a lib/libdl.a lib/libresolv.a,
#   lib/crt1.o lib/crti.o lib/crtn.o
# Headers are the system's (libc6-dev, the same glibc 2.36).
# Every step runs in a clean environment (scripts/upstream.sh says why).
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upstream.sh"

tarball=/usr/src/glibc/glibc-2.36.tar.xz
[ -f "$tarball" ] || ukl_die "$tarball not found; run: bin/ukl setup"
patchfile=$UKL_ROOT/glibc/ukl-glibc-2.36.patch
cflags="-O2 -mno-red-zone -g0 -pipe"
configure_opts="--prefix=/usr --disable-werror --disable-profile --disable-nscd
--disable-timezone-tools --without-selinux"
# Bump when the build steps below change what they produce.
recipe=1

key=$( (ukl_pkg_version glibc-source
	echo "$cflags $configure_opts $recipe"
	ukl_hash "$patchfile") | sha256sum | cut -c1-16)
top=$UKL_CACHE/glibc-$key
src=$top/src
build=$top/build
out=$top/ukl

if [ -f "$out/.ukl-done" ]; then
	[ "${1:-}" = --quiet ] || ukl_say "glibc: up to date ($out)"
	echo "$out"
	exit 0
fi
mkdir -p "$top"
# One build of a tree at a time: a second caller waits, then finds it done.
ukl_build_lock glibc "$top/.lock"
if [ -f "$out/.ukl-done" ]; then
	echo "$out"
	exit 0
fi

if [ ! -f "$src/.ukl-patched" ]; then
	rm -rf "$src" "$build"
	ukl_say "glibc: unpacking $(basename "$tarball")"
	mkdir -p "$top/unpack"
	ukl_clean_env tar -C "$top/unpack" -xf "$tarball"
	mv "$top/unpack/glibc-2.36" "$src"
	rmdir "$top/unpack"
	ukl_clean_env patch -d "$src" -p1 -s --no-backup-if-mismatch <"$patchfile" ||
		ukl_die "glibc/ukl-glibc-2.36.patch does not apply to glibc-source $(ukl_pkg_version glibc-source)"
	touch "$src/.ukl-patched"
fi

if [ ! -f "$build/.ukl-configured" ]; then
	rm -rf "$build"
	mkdir -p "$build"
	ukl_say "glibc: configuring (CFLAGS=$cflags)"
	# shellcheck disable=SC2086 # a list of options
	(cd "$build" && ukl_clean_env "$src/configure" $configure_opts CFLAGS="$cflags") \
		>"$top/configure.log" 2>&1 ||
		{ tail -n 20 "$top/configure.log" >&2; ukl_die "glibc configure failed; log: $top/configure.log"; }
	touch "$build/.ukl-configured"
fi

if [ ! -f "$build/.ukl-built" ]; then
	total=$(cat "$UKL_CACHE/glibc-steps" 2>/dev/null || echo 0)
	ukl_say "glibc: building ($UKL_JOBS jobs; a cold build takes about 6 minutes on 2 cores)"
	ukl_run_logged "glibc build" "$top/build.log" "$total" \
		ukl_clean_env make -C "$build" -j"$UKL_JOBS"
	grep -c -E '^ *(CC|AS|LD|AR|CCLD|GEN) |^gcc |^[a-z/_-]*gcc ' "$top/build.log" \
		>"$UKL_CACHE/glibc-steps" || true
	touch "$build/.ukl-built"
fi

# Collect what applications link with. The user-space fallback of
# __ukl_syscall leaves libc.a, so that the kernel's entry is the only one.
rm -rf "$out"
mkdir -p "$out/lib"
cp "$build/libc.a" "$out/lib/libc.a"
ar d "$out/lib/libc.a" ukl_syscall.o
if ar t "$out/lib/libc.a" | grep -qx ukl_syscall.o; then
	ukl_die "glibc: could not remove ukl_syscall.o from libc.a"
fi
cp "$build/math/libm.a" "$build/nptl/libpthread.a" "$build/rt/librt.a" \
	"$build/dlfcn/libdl.a" "$build/resolv/libresolv.a" \
	"$build/csu/crt1.o" "$build/csu/crti.o" "$build/csu/crtn.o" "$out/lib/"
touch "$out/.ukl-done"
ukl_say "glibc: ready ($out)"
echo "$out"
