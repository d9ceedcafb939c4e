# shellcheck shell=bash
# ukl run --net tap: the guest's NIC on a TAP device inside a network
# namespace of its own, as a production VM is networked, instead of QEMU's
# user networking. Sourced by scripts/run.sh (and by scripts that drive a
# tap guest, for ukl_tap_wait_info); never run.
#
# The runner creates the namespace ukl-PID-XXXX (PID: the runner's), in it
# the device tap0 with the host side's address 10.0.2.2/24, and runs QEMU
# inside it (ip netns exec) with -netdev tap. The guest keeps the address
# it has with user networking (10.0.2.15/24, gateway 10.0.2.2, from ip= on
# the kernel command line), so a guest cannot tell the two modes apart by
# its configuration. The namespace has nothing but lo and tap0, and no
# forwarding: whatever the guest sends ends there, and clients reach the
# guest only from inside (ip netns exec NAME CLIENT ...).

UKL_TAP_GUEST=10.0.2.15
UKL_TAP_HOST=10.0.2.2
UKL_TAP_DEV=tap0

ukl_tap_ns=""		# the namespace, once this runner has created it
ukl_tap_info=""		# the --net-info file, once written

# ukl_tap_check [WHO] : say why tap networking cannot work here and fail,
# or succeed. Checked before anything is created. WHO starts the message
# (default "ukl run").
ukl_tap_check() {
	local who=${1:-ukl run}
	if [ "$(id -u)" -ne 0 ]; then
		echo "$who: --net tap needs root (network namespaces and TAP devices); use --net user" >&2
		return 1
	fi
	if [ ! -c /dev/net/tun ]; then
		echo "$who: --net tap needs /dev/net/tun (the tun driver); use --net user" >&2
		return 1
	fi
	if ! command -v ip >/dev/null; then
		echo "$who: --net tap needs ip from iproute2 (apt-get install iproute2)" >&2
		return 1
	fi
}

# ukl_tap_sweep : remove namespaces left by runners that were killed with
# SIGKILL (the one exit no trap sees): a ukl-PID-XXXX whose PID is gone
# and in which no process runs any more.
ukl_tap_sweep() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^ukl-[0-9]+-[0-9a-f]+$/ { print $1 }'); do
		pid=${ns#ukl-}
		pid=${pid%-*}
		kill -0 "$pid" 2>/dev/null && continue
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || continue
		ip netns del "$ns" 2>/dev/null &&
			echo "ukl run: removed namespace $ns, left by a runner that was killed" >&2
	done
	return 0
}

# ukl_tap_up : create the namespace and its TAP device, up, with the host
# side's address. On failure say what failed (the caller's EXIT trap
# removes what was made).
ukl_tap_up() {
	local name err
	ukl_tap_sweep
	name=$(printf 'ukl-%d-%04x' "$$" "$RANDOM")
	# Recorded before it exists: a signal during "ip netns add" must still
	# lead to its removal. The runner's PID in the name keeps it unique.
	ukl_tap_ns=$name
	if ! err=$( { ip netns add "$name" &&
		ip -n "$name" link set lo up &&
		ip -n "$name" tuntap add dev "$UKL_TAP_DEV" mode tap &&
		ip -n "$name" addr add "$UKL_TAP_HOST/24" dev "$UKL_TAP_DEV" &&
		ip -n "$name" link set "$UKL_TAP_DEV" up; } 2>&1); then
		echo "ukl run: cannot set up the tap network in namespace $name: ${err//$'\n'/; }" >&2
		return 1
	fi
}

# ukl_tap_write_info FILE : write "netns=NAME", "guest=ADDR" and
# "host=ADDR" to FILE, whole (renamed into place), so that a script that
# waits for FILE never reads half of it. The file exists while the
# namespace does: ukl_tap_down removes it.
ukl_tap_write_info() {
	printf 'netns=%s\nguest=%s\nhost=%s\n' "$ukl_tap_ns" "$UKL_TAP_GUEST" "$UKL_TAP_HOST" \
		>"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1" && ukl_tap_info=$1
}

# ukl_tap_down : remove the namespace and its device. Waits (at most 5 s)
# for the processes in it (QEMU, just killed) to be gone, so that the
# namespace really ends here and not a moment after the runner.
ukl_tap_down() {
	local i
	[ -z "$ukl_tap_info" ] || rm -f "$ukl_tap_info"
	ukl_tap_info=""
	[ -n "$ukl_tap_ns" ] || return 0
	if [ -e "/run/netns/$ukl_tap_ns" ]; then
		for i in $(seq 1 50); do
			[ -n "$(ip netns pids "$ukl_tap_ns" 2>/dev/null)" ] || break
			sleep 0.1
		done
		ip -n "$ukl_tap_ns" link del "$UKL_TAP_DEV" 2>/dev/null || true
		ip netns del "$ukl_tap_ns" 2>/dev/null ||
			echo "ukl run: could not remove network namespace $ukl_tap_ns (ip netns del $ukl_tap_ns)" >&2
	fi
	ukl_tap_ns=""
}

# ukl_tap_wait_info FILE PID [SECONDS] : for scripts that start
# "ukl run --net tap --net-info FILE" as PID in the background: wait until
# FILE is there (at most SECONDS, default 60, and only while PID runs),
# then set tap_netns and tap_guest from it.
ukl_tap_wait_info() {
	local file=$1 pid=$2 limit=${3:-60} i
	tap_netns=""
	tap_guest=""
	for i in $(seq 1 $((limit * 10))); do
		if [ -s "$file" ]; then
			tap_netns=$(sed -n 's/^netns=//p' "$file")
			tap_guest=$(sed -n 's/^guest=//p' "$file")
			[ -z "$tap_netns" ] || [ -z "$tap_guest" ] || return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
