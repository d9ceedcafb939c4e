# Issue 9: real servers, built the way their users build them, with
# nothing changed but the compiler (docs/porting.md): redis, nginx and
# memcached from Debian's source packages, and a CMake C++ project of our
# own. Each test boots its server in the background, drives it from the
# host over 127.0.0.1 and stops it.
#
# The builds (scripts/server-build.sh) are kept in the cache and reused
# while the source, the recipe and the toolchain are unchanged; redis's
# is scripts/build-redis.sh, shared with "ukl bench redis".

. "$UKL_ROOT/scripts/upstream.sh"
. "$UKL_ROOT/scripts/server-build.sh"

UKL_GCC=$UKL_ROOT/bin/ukl-gcc
UKL_GXX=$UKL_ROOT/bin/ukl-g++
SERVERS=$UKL_ROOT/tests/servers

# server_build NAME PACKAGE RECIPE : print a directory with what RECIPE
# (run in a fresh copy of the pristine source of PACKAGE, with that
# directory as its argument) built as a UKL image. In $(...).
server_build() {
	ukl_server_build "$1" "$2" "$3" ukl
}

# is_ukl_image FILE : fail unless FILE is a UKL image (a kernel with the
# program linked in).
is_ukl_image() {
	nm "$1" 2>/dev/null | grep -q ' ukl_app_entry$' || fail "$1 is not a UKL image"
}

# The server under test: its runner's PID and console.
server_pid=""

# start_server RUN-ARGS... : boot a server with "ukl run RUN-ARGS" in the
# background, its console in console.log. --timeout bounds the VM's life
# even if this test is killed; the EXIT trap stops it when a check fails.
start_server() {
	"$UKL" run --timeout 600 "$@" >console.log 2>&1 &
	server_pid=$!
	trap 'ukl_stop "$server_pid"' EXIT
}

show_console() {
	echo "--- guest console"
	cat console.log
	echo "---"
}

# wait_for WHAT CMD... : run CMD once a second until it succeeds, at most
# 90 times, as long as the VM runs.
wait_for() {
	local what=$1 i
	shift
	for i in $(seq 1 90); do
		if ! kill -0 "$server_pid" 2>/dev/null; then
			show_console
			fail "the VM stopped before $what"
		fi
		if "$@" >/dev/null 2>&1; then
			echo "$what after ${i} s"
			return 0
		fi
		sleep 1
	done
	show_console
	fail "no $what within 90 s"
}

# wait_exit : wait (at most 60 s) for the runner to end by itself and set
# $status to its exit status, the program's own.
wait_exit() {
	local i
	for i in $(seq 1 60); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 1
	done
	if kill -0 "$server_pid" 2>/dev/null; then
		show_console
		fail "the server did not exit within 60 s"
	fi
	status=0
	wait "$server_pid" || status=$?
	server_pid=""
	show_console
}

# stop_server : stop a server that does not exit by itself.
stop_server() {
	ukl_stop "$server_pid"
	server_pid=""
	show_console
}

# --- redis -------------------------------------------------------------

# config_result LOG CHECK : the result autoconf logged for its first
# "checking CHECK" (the build log itself is interleaved by make -j).
config_result() {
	awk -v check="checking $2" 'index($0, check) { found = 1 }
		found && /: result: / { sub(/.*: result: /, ""); print; exit }' "$1"
}

redis_pong() {
	[ "$(timeout 10 redis-cli -p "$1" PING)" = PONG ]
}

test_redis_from_debian_source_set_get_and_benchmark() {
	local out port=17831 answer
	need_command redis-benchmark redis-tools
	out=$("$UKL_ROOT/scripts/build-redis.sh" ukl) || fail "redis did not build"
	is_ukl_image "$out/redis-server"
	# jemalloc's configure ran its test programs (ukl-gcc wrote host
	# programs for them): no cross build, and the page size measured.
	[ "$(config_result "$out/jemalloc-config.log" 'whether we are cross compiling')" = no ] ||
		fail "jemalloc's configure thought it was cross-compiling"
	[ "$(config_result "$out/jemalloc-config.log" LG_PAGE)" = 12 ] ||
		fail "jemalloc's configure did not run its page size test"

	# No background saves: they fork, and fork() of a UKL program fails.
	start_server -m 512M -p "$port:6379" "$out/redis-server" -- \
		--save "" --appendonly no --protected-mode no --bind 0.0.0.0
	wait_for "redis answers PING" redis_pong "$port"

	answer=$(timeout 10 redis-cli -p "$port" SET greeting "hello, unikernel") || fail "SET failed"
	[ "$answer" = OK ] || fail "SET answered '$answer'"
	answer=$(timeout 10 redis-cli -p "$port" GET greeting) || fail "GET failed"
	[ "$answer" = "hello, unikernel" ] || fail "GET answered '$answer'"
	timeout 10 redis-cli -p "$port" RPUSH list a b c >/dev/null || fail "RPUSH failed"
	answer=$(timeout 10 redis-cli -p "$port" LRANGE list 0 -1 | tr '\n' ' ') || fail "LRANGE failed"
	[ "$answer" = "a b c " ] || fail "LRANGE answered '$answer'"
	timeout 10 redis-cli -p "$port" INFO >info.txt || fail "INFO failed"
	grep -q '^redis_version:7\.0\.' info.txt || fail "not redis 7.0"
	grep -q '^mem_allocator:jemalloc-' info.txt || fail "redis does not use jemalloc"
	grep -E '^(redis_version|mem_allocator|os|process_id):' info.txt

	# Every one of redis-benchmark's tests, 2000 requests each. Two
	# clients: QEMU's user networking listens on the host with a backlog
	# of 1, so of redis-benchmark's default 50 connections opened at once
	# most lose their SYN and retry after 1, 3, 7, ... seconds, and a run
	# takes minutes (it happens just the same with --userspace).
	status=0
	timeout 300 redis-benchmark -p "$port" -n 2000 -c 2 -q >bench.raw 2>&1 || status=$?
	tr '\r' '\n' <bench.raw | grep -v 'rps=' | grep -v '^ *$' >bench.txt
	cat bench.txt
	[ "$status" -eq 0 ] || fail "redis-benchmark ended with status $status"
	grep -qi 'error' bench.txt && fail "redis-benchmark reported an error"
	for t in SET GET INCR LPUSH LPOP SADD HSET "MSET (10 keys)" "LRANGE_600 (first 600 elements)"; do
		grep -F "$t: " bench.txt | grep -q ' requests per second' ||
			fail "no result for $t"
	done

	# A clean exit: SHUTDOWN ends redis-server, and ukl-init reports 0.
	timeout 10 redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
	wait_exit
	expect_status 0
	grep -q "Redis is now ready to exit, bye bye" console.log || fail "redis did not say it exits"
}

# --- nginx -------------------------------------------------------------

# nginx's configure with its default modules (PCRE2 and zlib found as
# Debian's static libraries), its Makefile, and its "make install" into
# a staging directory: the prefix tree the guest gets.
build_nginx() {
	./configure --with-cc="$UKL_GCC" --prefix=/usr/local/nginx &&
		make -j"$(nproc)" &&
		make install DESTDIR="$1/root"
}

nginx_up() {
	curl -sS -m 10 -o /dev/null "http://127.0.0.1:$1/"
}

test_nginx_from_debian_source_serves_a_share_with_gzip() {
	local out port=17832 prefix=$PWD/nginx-prefix url
	need_command curl curl
	need_command ab apache2-utils
	out=$(server_build nginx nginx build_nginx) || exit 1
	is_ukl_image "$out/root/usr/local/nginx/sbin/nginx"
	grep -q 'checking for int size ... 4 bytes' "$out/build.log" ||
		fail "nginx's configure did not run its test programs"
	grep -q 'using system PCRE2 library' "$out/build.log" || fail "nginx was built without PCRE2"
	grep -q 'using system zlib library' "$out/build.log" || fail "nginx was built without zlib"

	# The prefix "make install" made, shared read-write from the host:
	# nginx reads its configuration and pages there and writes its logs.
	cp -a "$out/root/usr/local/nginx" "$prefix" || fail "cannot copy the prefix"
	cp "$SERVERS/nginx/nginx.conf" "$prefix/conf/nginx.conf"
	cp "$SERVERS/nginx/index.html" "$prefix/html/index.html"
	for i in $(seq 1 8); do cat "$UKL_ROOT"/docs/*.md; done >"$prefix/html/docs.txt"
	start_server -m 512M -p "$port:8080" -v "$prefix:/usr/local/nginx" \
		"$prefix/sbin/nginx"
	wait_for "nginx answers" nginx_up "$port"
	url=http://127.0.0.1:$port

	# The static page, byte for byte.
	curl -sS -m 30 -D page.headers -o page.html "$url/" || fail "curl / failed"
	cat page.headers
	grep -q '^HTTP/1.1 200 OK' page.headers || fail "/ did not answer 200"
	grep -qi '^Server: nginx/1\.22\.' page.headers || fail "not nginx 1.22"
	grep -qi '^Content-Type: text/html' page.headers || fail "/ is not text/html"
	cmp page.html "$prefix/html/index.html" || fail "/ is not index.html"

	# A compressed response: curl asks for gzip and inflates it.
	curl -sS -m 30 --compressed -D docs.headers -o docs.txt "$url/docs.txt" ||
		fail "curl --compressed failed"
	cat docs.headers
	grep -qi '^Content-Encoding: gzip' docs.headers || fail "docs.txt was not sent gzip-compressed"
	cmp docs.txt "$prefix/html/docs.txt" || fail "the inflated docs.txt differs"
	# The same body as sent, which gzip itself must accept.
	curl -sS -m 30 -H 'Accept-Encoding: gzip' -o docs.gz "$url/docs.txt" || fail "curl (gzip) failed"
	gzip -t docs.gz || fail "the body is not gzip data"
	[ "$(stat -c %s docs.gz)" -lt $(($(stat -c %s docs.txt) / 2)) ] ||
		fail "the gzip body is not even half the size"
	echo "docs.txt: $(stat -c %s docs.txt) bytes, sent as $(stat -c %s docs.gz)"

	[ "$(curl -sS -m 30 -o /dev/null -w '%{http_code}' "$url/absent")" = 404 ] ||
		fail "a missing file did not answer 404"
	# A little concurrent load, keep-alive; must not fail a request.
	timeout 120 ab -k -n 500 -c 2 "$url/" >ab.txt 2>&1 || { cat ab.txt; fail "ab failed"; }
	grep -E '^(Complete|Failed) requests|^Requests per second' ab.txt
	grep -qE '^Failed requests: +0$' ab.txt || fail "ab saw failed requests"

	# What nginx wrote in the share is on the host: the access log is
	# flushed within a second (nginx.conf), error.log at once.
	for i in $(seq 1 15); do
		grep -q '"GET /docs.txt HTTP/1.1" 200' "$prefix/logs/access.log" 2>/dev/null && break
		sleep 1
	done
	grep -q '"GET /docs.txt HTTP/1.1" 200' "$prefix/logs/access.log" ||
		fail "no access log line on the host"
	grep -q '"GET /absent HTTP/1.1" 404' "$prefix/logs/access.log" || fail "the 404 is not logged"
	grep -q 'using the "epoll" event method' "$prefix/logs/error.log" ||
		fail "no error.log on the host"
	stop_server
}

# --- memcached ---------------------------------------------------------

# memcached's autoconf build with libevent from Debian's libevent-dev.
build_memcached() {
	./configure CC="$UKL_GCC" &&
		make -j"$(nproc)" memcached &&
		cp memcached "$1/"
}

memcached_up() {
	timeout 10 python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"version\r\n")
sys.exit(0 if s.recv(64).startswith(b"VERSION ") else 1)' "$1"
}

test_memcached_from_debian_source_text_protocol() {
	local out port=17833
	out=$(server_build memcached memcached build_memcached) || exit 1
	is_ukl_image "$out/memcached"
	grep -q 'checking for libevent directory... (system)' "$out/build.log" ||
		fail "memcached's configure did not find libevent"
	# Two worker threads on two vCPUs; -u: memcached refuses to run as
	# root without it (nobody comes from the guest's /etc/passwd); -A
	# enables the shutdown command, so the test can end it cleanly.
	start_server --smp 2 -p "$port:11211" "$out/memcached" -- -u nobody -m 64 -t 2 -A
	wait_for "memcached answers" memcached_up "$port"
	status=0
	timeout 300 python3 "$SERVERS/memcached-check.py" "$port" --shutdown >check.txt 2>&1 || status=$?
	cat check.txt
	[ "$status" -eq 0 ] || fail "memcached-check failed"
	expect_line check.txt "memcached-check: all checks passed"
	wait_exit
	expect_status 0
}

# --- a CMake C++ project -----------------------------------------------

kvd_up() {
	grep -q '^kvd 1.0: listening on port 7000' console.log
}

test_cmake_cxx_server_with_ukl_gcc_and_ukl_gxx() {
	need_command cmake cmake
	# The way CMake users pick a compiler; nothing else is UKL's.
	cmake -S "$SERVERS/kvd" -B kvd-build -DCMAKE_C_COMPILER="$UKL_GCC" \
		-DCMAKE_CXX_COMPILER="$UKL_GXX" >cmake.log 2>&1 || { cat cmake.log; fail "cmake failed"; }
	cat cmake.log
	grep -q 'Performing Test KVD_EXCEPTIONS_RUN - Success' cmake.log ||
		fail "the try_run check did not run"
	cmake --build kvd-build -j"$(nproc)" >build.log 2>&1 || { cat build.log; fail "the build failed"; }
	is_ukl_image kvd-build/kvd
	start_server --smp 2 -p 17834:7000 kvd-build/kvd -- 7000
	wait_for "kvd listens" kvd_up
	status=0
	timeout 300 python3 "$SERVERS/kvd-check.py" 17834 >check.txt 2>&1 || status=$?
	cat check.txt
	[ "$status" -eq 0 ] || fail "kvd-check failed"
	expect_line check.txt "kvd-check: all checks passed"
	wait_exit
	expect_status 0
	expect_line console.log "kvd: shutting down with 160 keys"
}
