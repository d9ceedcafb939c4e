#!/bin/bash
# Build redis-server from Debian's pristine redis source, with redis's own
# Makefile and defaults (jemalloc, whose bundled configure builds and runs
# test programs; lua; hiredis), into the cache. Prints the directory that
# holds redis-server (and build.log, jemalloc-config.log).
#
#   scripts/build-redis.sh ukl        a UKL image: make CC=bin/ukl-gcc
#   scripts/build-redis.sh ukl-spec   redis-server as a specialized image:
#                                     make CC="bin/ukl-gcc --specialize"
#   scripts/build-redis.sh process    the baseline, a normal static
#                                     program: make CC="gcc -static"
#
# The two differ in the compiler driver only: ukl-gcc takes what
# "gcc -static" takes and links the result into the kernel, so the same
# source is compiled with the same flags both times. Used by
# tests/cases/servers.sh and "ukl bench redis"; scripts/server-build.sh
# says when a kept build is reused.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/upstream.sh"
. "$(dirname "$0")/server-build.sh"

# build_redis OUT CC : the recipe, run in the source tree.
build_redis() {
	make -j"$(nproc)" CC="$2" &&
		cp src/redis-server "$1/" &&
		cp deps/jemalloc/config.log "$1/jemalloc-config.log"
}

# build_redis_server OUT CC : redis-server alone, for a specialized image:
# redis-cli and redis-benchmark would each want a kernel of their own.
build_redis_server() {
	make -j"$(nproc)" CC="$2" redis-server &&
		cp src/redis-server "$1/"
}

case "${1:-}" in
ukl) ukl_server_build redis redis build_redis ukl ;;
ukl-spec) ukl_server_build redis-spec redis build_redis_server ukl-spec ;;
process) ukl_server_build redis-static redis build_redis process ;;
*) echo "usage: scripts/build-redis.sh ukl|ukl-spec|process" >&2; exit 125 ;;
esac
