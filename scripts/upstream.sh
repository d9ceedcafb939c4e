# shellcheck shell=bash
# Building upstream trees (Linux, glibc) in the cache: every step runs in a
# clean environment, and only one build of a tree runs at a time. Sourced
# after lib.sh by scripts/build-kernel.sh and scripts/build-glibc.sh.

# ukl_clean_env CMD... : run CMD with nothing in its environment but PATH,
# HOME, TMPDIR (when set) and LANG=C, and without the build lock's
# descriptor.
#
# Why: a build in the cache is shared by every later caller, so it must not
# depend on who started it. The first caller is often a build itself:
# "make CC=ukl-gcc" exports CC and MAKEFLAGS, and the first link by ukl-gcc
# starts the glibc build. glibc's configure would pick up CC=ukl-gcc and run
# it, and that ukl-gcc would wait for the lock its own ancestor holds:
# forever. Kbuild likewise reads ARCH, CROSS_COMPILE, O, KBUILD_*, CFLAGS
# and friends; tar reads TAR_OPTIONS, xz XZ_OPT. An allow-list is the only
# list that cannot miss one.
#
# The lock's descriptor is closed for the command so that a stray process
# of the build can never keep the lock after its script is gone.
ukl_clean_env() {
	local keep
	keep=(PATH="${PATH:-/usr/local/bin:/usr/bin:/bin}" HOME="${HOME:-/}" LANG=C)
	if [ -n "${TMPDIR:-}" ]; then
		keep+=(TMPDIR="$TMPDIR")
	fi
	env -i "${keep[@]}" "$@" 9>&-
}

# ukl_is_ancestor PID : true if PID is this shell or one of its ancestors.
ukl_is_ancestor() {
	local want=$1 p=$$
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		[ "$p" != "$want" ] || return 0
		p=$(awk '$1 == "PPid:" { print $2 }' "/proc/$p/status" 2>/dev/null || true)
	done
	return 1
}

# ukl_build_lock NAME LOCKFILE : take the build lock of one cached tree on
# descriptor 9; it is held until the calling script exits. The holder
# writes its pid into LOCKFILE, so that a second caller can say whom it
# waits for. A caller that the holder started itself (the holder is its
# ancestor) would wait forever: it stops with an error instead.
ukl_build_lock() {
	local name=$1 lock=$2 holder
	# Append, not truncate: opening must not wipe the holder's pid.
	exec 9>>"$lock"
	if ! flock -n 9; then
		holder=$(tr -dc '0-9' <"$lock" 2>/dev/null || true)
		if [ -n "$holder" ] && ukl_is_ancestor "$holder"; then
			ukl_die "the $name build (pid $holder) is an ancestor of this command, so waiting for its lock would never end (did a build step run ukl-gcc, e.g. through CC in its environment?); stopping. Lock: $lock"
		fi
		ukl_say "waiting for another build of $name (pid ${holder:-unknown}) to finish; lock: $lock"
		flock 9
		ukl_say "the other build of $name has finished"
	fi
	printf '%s\n' "$$" >"$lock"
}
