#!/bin/bash
# bin/ukl demo: build the echo server example, boot it, check that it
# echoes over TCP from the host, and stop it. The README's first command.
#
#   ukl demo [--userspace] [--port HOSTPORT]
set -eu
. "$(dirname "$0")/lib.sh"

mode=ukl
port=7777
while [ $# -gt 0 ]; do
	case "$1" in
	--userspace) mode=userspace; shift ;;
	--port) port=${2:?--port needs a number}; shift 2 ;;
	*) ukl_die "demo: unknown option $1 (use --userspace, --port N)" ;;
	esac
done

ukl_scratch ukl-demo

cp "$UKL_ROOT"/examples/echo/*.c "$UKL_ROOT/examples/echo/Makefile" "$work/"
if [ "$mode" = ukl ]; then
	ukl_say "demo: building examples/echo with CC=ukl-gcc"
	make -s -C "$work" CC="$UKL_ROOT/bin/ukl-gcc" echo
	run_flags=()
else
	ukl_say "demo: building examples/echo as a normal static program"
	make -s -C "$work" CC=gcc CFLAGS="-O2 -Wall -static" echo
	run_flags=(--userspace)
fi

ukl_say "demo: booting it; host port 127.0.0.1:$port -> guest port 7"
"$UKL_ROOT/bin/ukl" run --timeout 120 "${run_flags[@]}" -p "$port:7" "$work/echo" &
runner_pid=$!

# Wait for the server (QEMU user networking accepts on the host side
# before the guest listens), then send one line and read it back.
reply=""
for _ in $(seq 1 60); do
	kill -0 "$runner_pid" 2>/dev/null || ukl_die "demo: the VM stopped early"
	reply=$(python3 - "$port" <<'PY' 2>/dev/null || true
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as s:
    s.sendall(b"hello, unikernel\n")
    print(s.makefile().readline().strip())
PY
)
	[ -z "$reply" ] || break
	sleep 1
done
[ "$reply" = "hello, unikernel" ] || ukl_die "demo: no echo from the guest"
ukl_say "demo: sent 'hello, unikernel', got '$reply' back: it works"
