#!/bin/bash
# Download a Debian source package into the cache and unpack its upstream
# tarball, unmodified. Prints the unpacked directory.
#
#   fetch-source.sh PACKAGE
#
# Uses a private apt state (a deb-src entry for bookworm's main archive in
# the cache), so the machine's own apt configuration is not touched.
set -eu
. "$(dirname "$0")/lib.sh"

pkg=${1:?usage: fetch-source.sh PACKAGE}
apt_dir=$UKL_CACHE/apt-src
out=$UKL_CACHE/sources/$pkg

if [ -f "$out/.ukl-unpacked" ]; then
	cat "$out/.ukl-unpacked"
	exit 0
fi
mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$out"
cat >"$apt_dir/parts/debian-src.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_opts=(-q -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/parts"
	-o "Dir::State::Lists=$apt_dir/lists")
if [ ! -f "$apt_dir/.updated" ]; then
	ukl_say "sources: reading Debian's source index"
	apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1 ||
		{ tail -n 5 "$apt_dir/update.log" >&2; ukl_die "cannot read Debian's source index"; }
	touch "$apt_dir/.updated"
fi
ukl_say "sources: downloading $pkg"
(cd "$out" && apt-get "${apt_opts[@]}" source --download-only "$pkg") >"$out/download.log" 2>&1 ||
	{ tail -n 5 "$out/download.log" >&2; ukl_die "cannot download the source of $pkg"; }
tarball=$(ls "$out"/*.orig.tar.* | grep -v '\.asc$' | head -n 1)
[ -n "$tarball" ] || ukl_die "no upstream tarball in the source of $pkg"
tar -C "$out" -xf "$tarball"
dir=$(tar -tf "$tarball" | head -n 1 | cut -d/ -f1)
echo "$out/$dir" >"$out/.ukl-unpacked"
echo "$out/$dir"
