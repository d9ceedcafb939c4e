#!/bin/bash
# ukl bench redis: redis-benchmark (GET and SET, no pipelining) from the
# host side against redis-server built from Debian's source, as a UKL image
# and as a normal process on the same kernel, alternated in one run.
#
#   ukl bench redis [--rounds N] [--requests N] [--connections C]
#                   [--net tap|user] [--client-timeout SECONDS]
#                   [--port PORT] [--out DIR]
#
#   --rounds N          boots per mode, alternating ukl, process and
#                       process-tuned (the process with UKL's settings,
#                       ukl run --tuning ukl) (default 3)
#   --requests N        requests per test and boot (default 20000)
#   --connections C     redis-benchmark's parallel connections (default 50)
#   --net tap|user      tap (default): clients in the runner's network
#                       namespace; user: QEMU user networking, 127.0.0.1:PORT
#   --client-timeout S  time limit of every client run (default 300)
#   --port PORT         the host port for --net user (default 7792)
#   --out DIR           consoles, CSVs, summary (default ./ukl-bench-redis)
#
# Both servers are scripts/build-redis.sh's: the same source and flags,
# with CC=ukl-gcc and with CC="gcc -static". Before the last line, the
# ratios process-tuned/process and ukl/process-tuned; last line:
#   redis ukl/process: get=R set=R
# throughput ratios, UKL over process, each the median over the rounds.
# A client run that fails or hits its time limit is reported and counted
# (as with --net user, where lost SYNs end in resets); the benchmark then
# goes on, and exits with status 1 at the end.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bench-net.sh"

usage() {
	sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 125
}

rounds=3
requests=20000
connections=50
net=tap
client_timeout=300
port=7792
out=ukl-bench-redis
while [ $# -gt 0 ]; do
	case "$1" in -h | --help) usage ;; esac
	[ $# -ge 2 ] || usage
	case "$1" in
	--rounds) rounds=$2 ;;
	--requests) requests=$2 ;;
	--connections) connections=$2 ;;
	--net) net=$2 ;;
	--client-timeout) client_timeout=$2 ;;
	--port) port=$2 ;;
	--out) out=$2 ;;
	*) usage ;;
	esac
	case "$1" in
	--net | --out) ;;
	*) [[ $2 =~ ^[1-9][0-9]{0,7}$ ]] || { ukl_say "bench redis: $1 wants a number > 0"; exit 125; } ;;
	esac
	shift 2
done
[ "$connections" -le 1000 ] || { ukl_say "bench redis: --connections wants 1 to 1000"; exit 125; }
[ "$port" -le 65535 ] || { ukl_say "bench redis: --port wants 1 to 65535"; exit 125; }
bench_net_check "$net"
command -v redis-benchmark >/dev/null && command -v redis-cli >/dev/null ||
	ukl_die "bench redis: redis-benchmark and redis-cli are missing (apt-get install redis-tools)"

ukl_scratch ukl-bench-redis

ukl_say "bench redis: building redis-server as UKL image and as normal process (kept in the cache)"
ukl_dir=$(nice -n 5 "$UKL_ROOT/scripts/build-redis.sh" ukl)
process_dir=$(nice -n 5 "$UKL_ROOT/scripts/build-redis.sh" process)

# No background saves (they fork, and fork() of a UKL program fails) and
# no AOF, in both modes alike; clients come from outside the guest.
server_args=(--save "" --appendonly no --protected-mode no --bind 0.0.0.0 --port 6379)

# redis_up : redis answers PING where the client connects (net_exec,
# net_host, net_port from bench_net_target).
redis_up() {
	[ "$(timeout 10 ${net_exec[@]+"${net_exec[@]}"} redis-cli -h "$net_host" -p "$net_port" \
		PING 2>/dev/null)" = PONG ]
}

# one_run MODE ROUND : boot redis as MODE, wait for it (at most 120 s),
# run redis-benchmark once (at most client_timeout seconds), stop it.
# Leaves $work/MODE-ROUND.csv (redis-benchmark's) and .wall (seconds), or
# .failed with why the client failed: a failed client run is a result
# (user networking's lost SYNs end in resets), reported and counted, and
# the benchmark goes on with the next run. A guest that does not come up
# ends the benchmark.
one_run() {
	local mode=$1 r=$2 boot i t0 t1 rc
	case "$mode" in
	ukl) boot=("$ukl_dir/redis-server") ;;
	process) boot=(--userspace "$process_dir/redis-server") ;;
	# the normal process with the settings UKL images boot with
	process-tuned) boot=(--tuning ukl --userspace "$process_dir/redis-server") ;;
	esac
	bench_net_run_args "$net" "$port" 6379 "$work/net-$mode-$r"
	"$UKL_ROOT/bin/ukl" run -m 512M --timeout $((client_timeout + 600)) "${net_run[@]}" \
		"${boot[@]}" -- "${server_args[@]}" >"$work/$mode-$r.console" 2>&1 &
	runner_pid=$!
	bench_net_target "$net" "$runner_pid" "$port" 6379 "$work/net-$mode-$r" ||
		{ tail -n 20 "$work/$mode-$r.console" >&2
		  ukl_die "bench redis: the $mode guest's network did not come up"; }
	for i in $(seq 1 120); do
		redis_up && break
		kill -0 "$runner_pid" 2>/dev/null ||
			{ tail -n 20 "$work/$mode-$r.console" >&2; ukl_die "bench redis: the $mode guest stopped"; }
		[ "$i" -lt 120 ] || ukl_die "bench redis: $mode redis did not answer PING within 120 s"
		sleep 1
	done
	t0=$(date +%s.%N)
	rc=0
	timeout "$client_timeout" ${net_exec[@]+"${net_exec[@]}"} redis-benchmark \
		-h "$net_host" -p "$net_port" -c "$connections" -n "$requests" -P 1 \
		-t set,get --csv >"$work/$mode-$r.csv" 2>"$work/$mode-$r.client-errors" || rc=$?
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }' >"$work/$mode-$r.wall"
	timeout 10 ${net_exec[@]+"${net_exec[@]}"} redis-cli -h "$net_host" -p "$net_port" \
		SHUTDOWN NOSAVE >/dev/null 2>&1 || true
	ukl_stop "$runner_pid"
	runner_pid=""
	if [ "$rc" -eq 124 ]; then
		echo "did not finish $requests requests within ${client_timeout}s" >"$work/$mode-$r.failed"
	elif [ "$rc" -ne 0 ]; then
		echo "status $rc: $(tr '\r' '\n' <"$work/$mode-$r.client-errors" | grep -v '^ *$' |
			tail -n 1)" >"$work/$mode-$r.failed"
	elif ! grep -q '^"GET"' "$work/$mode-$r.csv" || ! grep -q '^"SET"' "$work/$mode-$r.csv"; then
		echo "no GET and SET results" >"$work/$mode-$r.failed"
	fi
	[ ! -f "$work/$mode-$r.failed" ] ||
		ukl_say "bench redis: redis-benchmark failed against $mode: $(cat "$work/$mode-$r.failed")"
}

for r in $(seq 1 "$rounds"); do
	for mode in ukl process process-tuned; do
		ukl_say "bench redis: round $r/$rounds, $mode, $requests requests x GET, SET, $connections connections, --net $net"
		one_run "$mode" "$r"
	done
done

{
	printf 'machine: %s, %s CPUs, QEMU %s, accelerator %s, redis-benchmark %s\n' \
		"$(uname -r)" "$(nproc)" \
		"$(qemu-system-x86_64 --version | head -n 1 | awk '{print $4}')" \
		"${UKL_ACCEL:-auto (TCG here unless a KVM probe boot works)}" \
		"$(redis-benchmark --version | awk '{print $2}')"
	echo "redis-benchmark -c $connections -n $requests -P 1 -t set,get, --net $net, $rounds rounds"
	python3 - "$work" "$rounds" <<'PY'
import csv, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
modes = ("ukl", "process", "process-tuned")
res = {m: [] for m in modes}
failed = {m: 0 for m in modes}
for r in range(1, rounds + 1):
    for mode in modes:
        wall = float(open(f"{work}/{mode}-{r}.wall").read())
        try:
            why = open(f"{work}/{mode}-{r}.failed").read().strip()
        except FileNotFoundError:
            why = None
        if why:
            failed[mode] += 1
            print(f"redis round {r} {mode}: failed after {wall:.1f} s: {why}")
            continue
        rows = {row["test"]: row for row in csv.DictReader(open(f"{work}/{mode}-{r}.csv"))}
        got = {t: (float(rows[t]["rps"]), float(rows[t]["max_latency_ms"])) for t in ("GET", "SET")}
        res[mode].append(got)
        print(f"redis round {r} {mode}: get={got['GET'][0]:.0f} set={got['SET'][0]:.0f} requests/s, "
              f"max latency get={got['GET'][1]:.1f} set={got['SET'][1]:.1f} ms, client {wall:.1f} s")
med = {}
for m in modes:
    if not res[m]:
        print(f"redis {m}: every client run failed")
        continue
    med[m] = {t: statistics.median(g[t][0] for g in res[m]) for t in ("GET", "SET")}
    worst = max(max(g["GET"][1], g["SET"][1]) for g in res[m])
    print(f"redis {m} median of {len(res[m])}: get={med[m]['GET']:.0f} set={med[m]['SET']:.0f} "
          f"requests/s, worst request {worst:.1f} ms")
# A stall: some request waited a second or more (a lost SYN's first
# retry is after 1 s); a failed run counts as one too.
stalls = {m: failed[m] + sum(max(g["GET"][1], g["SET"][1]) >= 1000 for g in res[m]) for m in modes}
print(f"redis stalls (client runs failed or with a request of 1 s or more): "
      + ", ".join(f"{m} {stalls[m]}/{rounds} (failed {failed[m]})" for m in modes))
# What UKL's settings give the process, what UKL adds to them, and last
# UKL against the process as a normal VM runs it.
for a, b in (("process-tuned", "process"), ("ukl", "process-tuned"), ("ukl", "process")):
    if a in med and b in med:
        print(f"redis {a}/{b}: get={med[a]['GET'] / med[b]['GET']:.2f} "
              f"set={med[a]['SET'] / med[b]['SET']:.2f}")
    else:
        print(f"redis {a}/{b}: no ratio, a mode has no successful client run")
PY
} >"$work/summary"
# Complete results only: written in $work, copied at the end.
mkdir -p "$out"
cp "$work"/*.console "$work"/*.csv "$work"/*.wall "$work"/*.client-errors "$out/"
cp "$work/summary" "$out/summary.txt"
ukl_say "bench redis: consoles and redis-benchmark's CSVs in $out/"
cat "$work/summary"
# Success only if every client run finished.
! ls "$work"/*.failed >/dev/null 2>&1 || ukl_die "bench redis: some client runs failed (above)"
