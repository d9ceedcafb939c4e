#!/bin/bash
# Install what UKL needs from Debian's archive. Idempotent: packages already
# present are not touched, and apt's index is refreshed only when something
# is missing.
set -eu
. "$(dirname "$0")/lib.sh"

packages="linux-source-6.1 glibc-source qemu-system-x86 build-essential
flex bison bc libelf-dev libssl-dev cpio gawk python3 xz-utils lz4 file
iproute2 gnuplot-nox procps busybox-static zlib1g-dev cmake meson
pkg-config libpcre2-dev libevent-dev libcrypt-dev redis-tools
apache2-utils curl gdb ovmf qemu-utils fdisk dosfstools mtools umoci
skopeo strace musl-tools"

missing=""
for p in $packages; do
	status=$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$status" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	ukl_say "setup: all packages present"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || SUDO=sudo
ukl_say "setup: installing:$missing"
${SUDO:-} apt-get update -q >/dev/null ||
	ukl_die "apt-get update failed: check the network and /etc/apt/sources.list"
for p in $missing; do
	if ! apt-cache show "$p" >/dev/null 2>&1; then
		ukl_die "package $p is not in this machine's Debian archive; UKL needs Debian 12 (bookworm) with its main component"
	fi
done
log=$(mktemp)
# shellcheck disable=SC2086 # word splitting of the package list is wanted
if ! DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -q \
	--no-install-recommends $missing >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	rm -f "$log"
	ukl_die "apt-get install failed for:$missing"
fi
rm -f "$log"
ukl_say "setup: done"
