# shellcheck shell=bash
# Building a server from the pristine source of a Debian package, once,
# into the cache: as a UKL image (CC=ukl-gcc) or as a normal static
# program (CC="gcc -static", the baseline), with the package's own build
# system. Sourced after lib.sh and upstream.sh by tests/cases/servers.sh
# and scripts/build-redis.sh; never run.
#
# Builds of the Debian sources take minutes (redis with jemalloc about
# five), so each one is kept in $UKL_CACHE/tests/servers (the tests were
# its first users) under a key of the source tarball, the build recipe
# and what the compiler brings in: for a UKL image everything of the
# toolchain that goes into one (ukl-gcc, the link scripts, the runtime,
# UKL's glibc and kernel builds), for both gcc and the -dev packages'
# versions. A build is reused only when all of that is unchanged, so what
# is booted was built from the pristine source by the toolchain as it is
# now. UKL_SERVERS_REBUILD=1 ignores the kept builds.

# ukl_toolchain_fingerprint ukl|ukl-spec|process : print what a build depends on
# besides the program's own source.
ukl_toolchain_fingerprint() {
	local kb glibc
	if [ "$1" = ukl-spec ]; then
		# what specializes the kernel too (docs/specialize.md)
		(cd "$UKL_ROOT" && cat scripts/specialize* kernel/specialize.map kernel/ukl-vm.config) |
			sha256sum
	fi
	if [ "$1" = ukl ] || [ "$1" = ukl-spec ]; then
		kb=$("$UKL_ROOT/scripts/build-kernel.sh" --quiet) || return 1
		glibc=$("$UKL_ROOT/scripts/build-glibc.sh" --quiet) || return 1
		echo "kernel $kb $(stat -c %Y "$kb/vmlinux")"
		echo "glibc $glibc $(stat -c %Y "$glibc/lib/libc.a")"
		(cd "$UKL_ROOT" && find bin toolchain runtime scripts/lib.sh scripts/runtime.sh \
			scripts/link-image.sh scripts/check-image.sh -type f | LC_ALL=C sort |
			xargs sha256sum)
	fi
	gcc -dumpfullversion
	dpkg-query -W -f '${Package} ${Version}\n' libc6-dev libgcc-12-dev libstdc++-12-dev \
		libcrypt-dev zlib1g-dev libpcre2-dev libevent-dev 2>&1
}

# ukl_server_build NAME PACKAGE RECIPE ukl|ukl-spec|process : print a directory
# with what RECIPE built, from the cache when the source, the recipe and
# the toolchain are the same. RECIPE is a function, run in a fresh copy
# of the pristine source of Debian's PACKAGE with two arguments: the
# directory to put its results in, and the C compiler to use (bin/ukl-gcc;
# "bin/ukl-gcc --specialize" for ukl-spec; "gcc -static" for process). Run it in $(...): its messages go to
# standard error, and the build lock it takes ends with the subshell.
ukl_server_build() {
	local name=$1 pkg=$2 recipe=$3 kind=$4 cc src fp key dir out tree start
	case "$kind" in
	ukl) cc=$UKL_ROOT/bin/ukl-gcc ;;
	ukl-spec) cc="$UKL_ROOT/bin/ukl-gcc --specialize" ;;
	process) cc="gcc -static" ;;
	*) ukl_die "server build: kind ukl, ukl-spec or process, not $kind" ;;
	esac
	src=$("$UKL_ROOT/scripts/fetch-source.sh" "$pkg") || ukl_die "cannot fetch the source of $pkg"
	fp=$(ukl_toolchain_fingerprint "$kind") ||
		ukl_die "cannot find the toolchain's kernel and glibc builds"
	key=$( (echo "$fp"; basename "$src"
		sha256sum "$(dirname "$src")"/*.orig.tar.*
		declare -f "$recipe") | sha256sum | cut -c1-16)
	dir=$UKL_CACHE/tests/servers
	out=$dir/$name-$key
	mkdir -p "$dir"
	# One build of NAME at a time (a test and a benchmark may both want it).
	ukl_build_lock "$name" "$dir/$name.lock"
	if [ -f "$out/.built" ] && [ "${UKL_SERVERS_REBUILD:-0}" != 1 ]; then
		echo "$name: reusing $out, built from $(basename "$src") with this toolchain" >&2
		echo "$out"
		return 0
	fi
	echo "$name: building $(basename "$src") from the pristine source with CC=$cc" >&2
	# Builds for an older toolchain will not be used again. Exactly 16
	# characters of key: "redis-static-KEY" is not one of redis's.
	rm -rf "$dir/$name"-????????????????
	mkdir -p "$out"
	tree=$(mktemp -d "${TMPDIR:-/tmp}/ukl-build-$name.XXXXXX")
	cp -a "$src" "$tree/$name" || ukl_die "cannot copy the source of $pkg"
	start=$SECONDS
	# 9>&-: the build lock stays with this script, never with a stray
	# process of the build.
	if ! (cd "$tree/$name" && "$recipe" "$out" "$cc") >"$out/build.log" 2>&1 9>&-; then
		rm -rf "$tree"
		tail -n 40 "$out/build.log" >&2
		ukl_die "$name did not build (log: $out/build.log)"
	fi
	rm -rf "$tree"
	echo "$name: built in $((SECONDS - start)) s" >&2
	# Kept only if the toolchain did not change while it built (a kernel
	# rebuilt meanwhile, say): the key must say what made the image.
	if [ "$(ukl_toolchain_fingerprint "$kind")" = "$fp" ]; then
		touch "$out/.built"
	else
		echo "$name: the toolchain changed during the build; not keeping it" >&2
	fi
	echo "$out"
}
