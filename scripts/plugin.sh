#!/bin/bash
# Build (or find in the cache) the counting plugin bench/plugin/ukl-count.c
# for the machine's QEMU and print the path of the .so.
#
#   scripts/plugin.sh [--header]    (--header: print the header's path instead)
#
# QEMU's plugin header, qemu-plugin.h, is not in any of Debian's binary
# packages for bookworm, only in the qemu source package. Its upstream
# tarball is 23 MB of xz that unpacks to hundreds of megabytes, so only the
# header is taken out of it (scripts/fetch-source.sh --download fetches the
# package through the project's private apt state). The header is kept in
# the cache under the source package's version, the .so under a hash of the
# plugin's source, the header and the compiler command: an unchanged
# plugin is never rebuilt, a changed one gets a fresh file.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upstream.sh"

want=so
[ "${1:-}" != --header ] || want=header

src=$UKL_ROOT/bench/plugin/ukl-count.c
dir=$UKL_CACHE/qemu-plugin
mkdir -p "$dir"
# Two runners starting at once (a test and a benchmark) build it once.
ukl_build_lock "the counting plugin" "$dir/.lock"

# The header: one file from the upstream tarball, with the version of the
# source package it came from in the directory's name.
header_dir=$(ls -d "$dir"/header-* 2>/dev/null | head -n 1 || true)
if [ -z "$header_dir" ] || [ ! -f "$header_dir/qemu-plugin.h" ]; then
	pkgdir=$("$UKL_ROOT/scripts/fetch-source.sh" --download qemu)
	tarball=""
	for f in "$pkgdir"/qemu_*.orig.tar.*; do
		case "$f" in *.asc) ;; *) [ -f "$f" ] && tarball=$f ;; esac
	done
	[ -n "$tarball" ] || ukl_die "plugin: no upstream tarball in $pkgdir"
	version=$(basename "$tarball" | sed 's/^qemu_//; s/\.orig\.tar\..*$//')
	header_dir=$dir/header-$version
	member=$(ukl_clean_env tar -tf "$tarball" | grep -m 1 '^[^/]*/include/qemu/qemu-plugin\.h$') ||
		ukl_die "plugin: no include/qemu/qemu-plugin.h in $tarball"
	ukl_say "plugin: taking qemu-plugin.h out of $(basename "$tarball")"
	rm -rf "$header_dir.tmp"
	mkdir -p "$header_dir.tmp"
	ukl_clean_env tar --no-same-owner -C "$header_dir.tmp" -xf "$tarball" "$member"
	mv "$header_dir.tmp/$member" "$header_dir.tmp/qemu-plugin.h"
	rm -rf "${header_dir:?}.tmp/${member%%/*}"
	rm -rf "$header_dir"
	mv "$header_dir.tmp" "$header_dir"
fi
if [ "$want" = header ]; then
	echo "$header_dir/qemu-plugin.h"
	exit 0
fi

# -shared -fPIC: QEMU dlopen()s it; the plugin API needs nothing but libc.
cflags="-O2 -Wall -Wextra -std=gnu11 -shared -fPIC -pthread"
key=$( (cat "$src" "$header_dir/qemu-plugin.h"; echo "$cflags") | sha256sum | cut -c1-16)
so=$dir/ukl-count-$key.so
if [ ! -f "$so" ]; then
	ukl_say "plugin: building $(basename "$so")"
	# shellcheck disable=SC2086 # list of flags
	ukl_clean_env gcc $cflags -I "$header_dir" -o "$so.tmp" "$src" ||
		ukl_die "plugin: $src does not build"
	mv "$so.tmp" "$so"
fi
echo "$so"
