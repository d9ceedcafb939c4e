#!/bin/bash
# make-oci.sh DIR DISK BZIMAGE NAME [ARG...] : write DIR, an OCI image layout
# (tag "latest", linux/amd64) of one layer that serves the engines users
# run VMs on (docs/deploy.md):
#
#   /disk/NAME.qcow2   DISK, for a KubeVirt containerDisk (its one file in
#                      /disk/, readable by the qemu user, uid 107)
#   /boot/vmlinuz      BZIMAGE, for KubeVirt's kernelBoot and for urunc
#   /urunc.json        urunc's settings, for when annotations do not reach it
#
# and the manifest annotations urunc reads. ARG... are the baked arguments,
# recorded for urunc's cmdline setting. The command line itself is baked
# into the kernel (scripts/package.sh), so no engine has to pass it.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -ge 4 ] || ukl_die "usage: make-oci.sh DIR DISK BZIMAGE NAME [ARG...]"
dir=$1
disk=$2
bzimage=$3
name=$4
shift 4

work=$(mktemp -d "${TMPDIR:-/tmp}/ukl-oci.XXXXXX")
trap 'rm -rf "$work"' EXIT

# urunc's settings. Its "linux" type boots a Linux kernel with QEMU's
# -kernel, which is what a UKL image is; the program's own command line is
# in the kernel, and urunc's cmdline names it for people reading the image.
cmdline="/app"
for a in "$@"; do
	cmdline+=" $a"
done
annotations=(
	"com.urunc.unikernel.unikernelType=linux"
	"com.urunc.unikernel.hypervisor=qemu"
	"com.urunc.unikernel.binary=/boot/vmlinuz"
	"com.urunc.unikernel.cmdline=$cmdline"
	"org.opencontainers.image.title=$name"
	"org.opencontainers.image.description=UKL unikernel: $name linked into Linux"
)

# urunc.json: the same settings, values base64-encoded as urunc expects.
json_string() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}
{
	printf '{'
	sep=""
	for kv in "${annotations[@]}"; do
		case "$kv" in com.urunc.*) ;; *) continue ;; esac
		printf '%s%s:%s' "$sep" "$(json_string "${kv%%=*}")" \
			"$(json_string "$(printf '%s' "${kv#*=}" | base64 -w0)")"
		sep=","
	done
	printf '}\n'
} >"$work/urunc.json"

# The layer: fixed owners, modes and times, so that the same inputs give
# the same layer digest.
mkdir -p "$work/root/disk" "$work/root/boot"
cp "$disk" "$work/root/disk/$name.qcow2"
cp "$bzimage" "$work/root/boot/vmlinuz"
cp "$work/urunc.json" "$work/root/urunc.json"
chmod 0444 "$work/root/disk/$name.qcow2" "$work/root/boot/vmlinuz" "$work/root/urunc.json"
chmod 0555 "$work/root/disk" "$work/root/boot"
tar --sort=name --owner=107 --group=107 --numeric-owner --mtime=@0 \
	--format=posix --pax-option=delete=atime,delete=ctime \
	-C "$work/root" -cf "$work/layer.tar" disk boot urunc.json

umoci_do() {
	umoci "$@" 2>"$work/umoci.err" ||
		{ cat "$work/umoci.err" >&2; ukl_die "umoci $1 failed"; }
}
umoci_do init --layout "$dir"
umoci_do new --image "$dir:latest"
umoci_do raw add-layer --image "$dir:latest" --history.created_by "ukl package" "$work/layer.tar"
config=(--os linux --architecture amd64 --author "ukl package")
for kv in "${annotations[@]}"; do
	config+=(--manifest.annotation "$kv" --config.label "$kv")
done
umoci_do config --image "$dir:latest" "${config[@]}"
umoci_do gc --layout "$dir"
