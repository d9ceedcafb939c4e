# Shared helpers for UKL's shell scripts: cache location, messages, progress,
# input hashing. Sourced, never run.

UKL_ROOT=${UKL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
UKL_CACHE=${UKL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ukl}
UKL_JOBS=${UKL_JOBS:-$(( $(nproc) + 1 ))}

ukl_say() { printf 'ukl: %s\n' "$*" >&2; }
ukl_die() { printf 'ukl: error: %s\n' "$*" >&2; exit "${UKL_DIE_STATUS:-1}"; }

# ukl_hash FILE... : one short hex digest over the names and contents of the
# inputs, so that a changed patch or config gives a new cache key.
ukl_hash() {
	ukl_hash_input "$@" | sha256sum | cut -c1-16
}

# ukl_hash_input FILE... : what ukl_hash digests, for a key that also
# covers something other than files (pipe it with that into sha256sum).
ukl_hash_input() {
	local f
	for f in "$@"; do
		printf '%s\n' "${f#"$UKL_ROOT"/}"
		cat "$f"
	done
}

# ukl_pkg_version PKG : the installed Debian version, part of every key so
# that a security update of linux-source rebuilds.
ukl_pkg_version() {
	dpkg-query -W -f '${Version}' "$1" 2>/dev/null ||
		ukl_die "package $1 is not installed; run: bin/ukl setup"
}

# ukl_run_logged STEP LOG TOTAL CMD... : run CMD with its output in LOG and
# print one progress line every few seconds: the step, how many compile
# lines so far (of TOTAL, if known) and the time taken. On failure print the
# log's tail and where the full log is.
ukl_run_logged() {
	local step=$1 log=$2 total=$3 pid rc start now n
	shift 3
	start=$(date +%s)
	"$@" >"$log" 2>&1 &
	pid=$!
	local ticks=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		ticks=$((ticks + 1))
		[ $((ticks % 15)) -eq 0 ] || continue
		kill -0 "$pid" 2>/dev/null || break
		now=$(date +%s)
		n=$(grep -c -E '^ *(CC|AS|LD|AR|CCLD|GEN) |^gcc |^[a-z/_-]*gcc ' "$log" || true)
		if [ "$total" -gt 0 ]; then
			[ "$n" -gt "$total" ] && n=$total
			ukl_say "$step: $n/$total steps, $((now - start))s"
		else
			ukl_say "$step: $n steps, $((now - start))s"
		fi
	done
	rc=0
	wait "$pid" || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 30 "$log" >&2
		ukl_die "$step failed (status $rc); full log: $log"
	fi
	ukl_say "$step: done in $(( $(date +%s) - start ))s"
}

# ukl_stop PID : stop a command this script started in the background (a
# booted VM's runner) and wait for it, quietly. An empty PID does nothing.
ukl_stop() {
	[ -n "${1:-}" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# ukl_bytes_hex FILE OFFSET COUNT : COUNT bytes of FILE from OFFSET, as
# lower-case hex without spaces (nothing past the end of the file).
ukl_bytes_hex() {
	local hex
	hex=$(od -An -v -tx1 -j "$2" -N "$3" "$1" 2>/dev/null) || return 0
	hex=${hex//[[:space:]]/}
	printf '%s\n' "$hex"
}

# ukl_is_bzimage FILE : FILE is a bzImage (Linux's boot protocol header,
# "HdrS" at offset 0x202).
ukl_is_bzimage() {
	[ "$(ukl_bytes_hex "$1" 514 4)" = 48647253 ]
}

# ukl_elf_kind FILE : "kernel" for an ELF with its segments in the top
# 2 GiB (a UKL image or a vmlinux), "static" or "dynamic" for a program,
# "none" for anything that is not an ELF.
ukl_elf_kind() {
	local type _off vaddr load=0 kernel=0 interp=0
	while read -r type _off vaddr _; do
		case "$type" in
		LOAD)
			load=1
			case "$vaddr" in 0xffffffff8*) kernel=1 ;; esac
			;;
		INTERP) interp=1 ;;
		esac
	done < <(LC_ALL=C readelf -lW "$1" 2>/dev/null)
	if [ $load -eq 0 ]; then
		echo none
	elif [ $kernel -eq 1 ]; then
		echo kernel
	elif [ $interp -eq 1 ]; then
		echo dynamic
	else
		echo static
	fi
}

# ukl_scratch NAME : set $work to a new scratch directory and, on exit,
# stop the runner in $runner_pid (if one is set) and remove $work.
ukl_scratch() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	runner_pid=""
	trap ukl_scratch_cleanup EXIT
}

ukl_scratch_cleanup() {
	ukl_stop "$runner_pid"
	rm -rf "$work"
}
