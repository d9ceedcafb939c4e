# Issue 9: tests that build glibc and the kernel from nothing (10 to 15
# minutes on 2 cores). They exist only with UKL_TESTS_SLOW=1, so that a CI
# run (or a quick local one) can leave them out:
#   UKL_TESTS_SLOW=1 bin/ukl test tests/cases/slow.sh

if [ "${UKL_TESTS_SLOW:-0}" = 1 ]; then

# The bug of issue 9: on a fresh machine "bin/ukl demo" hung for ever.
# "make CC=ukl-gcc" exported CC; the first ukl-gcc link started the glibc
# build, whose configure ran "$CC -V", and that ukl-gcc waited for the
# glibc build lock its own ancestor held. Here CC is in the environment
# from the start as well, and the cache is empty.
test_demo_on_an_empty_cache_with_cc_in_the_environment_does_not_hang() {
	local start took
	# A scratch cache of 2 GiB: never leave it behind. Not a local: the
	# EXIT trap runs after this function has returned.
	slow_cache=$PWD/cache
	mkdir "$slow_cache"
	trap 'rm -rf "$slow_cache"' EXIT
	start=$(date +%s)
	status=0
	# timeout stops the whole process group: the builds and QEMU too.
	CC=$UKL_ROOT/bin/ukl-gcc UKL_CACHE=$slow_cache \
		timeout -k 10 2700 "$UKL" demo --port 17899 >demo.log 2>&1 || status=$?
	took=$(( $(date +%s) - start ))
	cat demo.log
	echo "bin/ukl demo on an empty cache: status $status after ${took}s"
	[ "$status" -ne 124 ] || fail "the demo hung (stopped after ${took}s)"
	expect_status 0
	grep -q "demo: sent 'hello, unikernel', got 'hello, unikernel' back: it works" demo.log ||
		fail "the demo did not echo"
	# glibc was configured with the system compiler, not with $CC
	grep -qx "CC = gcc" "$slow_cache"/glibc-*/build/config.make ||
		fail "glibc's configure did not use gcc"
}

fi
