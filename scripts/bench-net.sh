# shellcheck shell=bash
# How a benchmark's host-side client reaches its guest, for both networks
# of "ukl run" (--net user: a host port forwarded on 127.0.0.1; --net tap:
# the guest's own address, from inside the runner's network namespace).
# Sourced by scripts/bench.sh and scripts/bench-redis.sh after lib.sh.
#
#   bench_net_check NET                     refuse what cannot work, early
#   bench_net_run_args NET HOSTPORT GUESTPORT INFO
#                                           set net_run: the ukl run options
#   bench_net_target NET PID HOSTPORT GUESTPORT INFO
#                                           set net_exec, net_host, net_port
#
# A client then runs as
#   ${net_exec[@]+"${net_exec[@]}"} CLIENT -h "$net_host" -p "$net_port"
# which is "ip netns exec NAME CLIENT -h 10.0.2.15 -p GUESTPORT" for tap.
. "$UKL_ROOT/scripts/net-tap.sh"

bench_net_check() {
	case "$1" in
	user) ;;
	tap) ukl_tap_check "ukl bench" || exit 125 ;;
	*) ukl_say "bench: --net wants user or tap, not '$1'"; exit 125 ;;
	esac
}

# bench_net_run_args NET HOSTPORT GUESTPORT INFO : the runner's network
# options, in the array net_run. INFO: the --net-info file for tap (removed
# first, so that a stale one is never read).
bench_net_run_args() {
	if [ "$1" = tap ]; then
		rm -f "$4"
		net_run=(--net tap --net-info "$4")
	else
		net_run=(-p "$2:$3")
	fi
}

# bench_net_target NET PID HOSTPORT GUESTPORT INFO : where the client
# connects, once the runner PID (started with net_run) is up: net_exec
# (the command prefix that puts the client in the namespace; empty for
# user networking), net_host and net_port. Fails if the runner ends
# before its namespace is up or takes more than 120 s.
bench_net_target() {
	if [ "$1" = tap ]; then
		ukl_tap_wait_info "$5" "$2" 120 || return 1
		net_exec=(ip netns exec "$tap_netns")
		net_host=$tap_guest
		net_port=$4
	else
		net_exec=()
		net_host=127.0.0.1
		net_port=$3
	fi
}
