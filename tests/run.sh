#!/bin/bash
# UKL's host-side test runner. Runs every test_* function of every
# tests/cases/*.sh (or only the files named on the command line), each in
# its own subshell with its output in a log, and ends with the line
# "N passed, N failed". Exit status 0 only if nothing failed.
set -eu
tests_dir=$(cd "$(dirname "$0")" && pwd)
export UKL_ROOT=${UKL_ROOT:-$(cd "$tests_dir/.." && pwd)}
. "$UKL_ROOT/scripts/lib.sh"
. "$tests_dir/lib.sh"

files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$tests_dir"/cases/*.sh)

# Build what the tests boot before the first test, with progress on the
# terminal, so that no single test's log holds a five-minute build: the
# UKL kernel, the same patched kernel with CONFIG_UNIKERNEL_LINUX=n, and
# UKL's glibc.
# UKL_TESTS_PREPARE=0 skips this (the tests then build what they need).
if [ "${UKL_TESTS_PREPARE:-1}" != 0 ]; then
	"$UKL_ROOT/scripts/build-kernel.sh" >/dev/null
	"$UKL_ROOT/scripts/build-kernel.sh" --variant plain >/dev/null
	"$UKL_ROOT/scripts/build-glibc.sh" >/dev/null
fi

logdir=$(mktemp -d "${TMPDIR:-/tmp}/ukl-tests.XXXXXX")
passed=0
failed=0
failures=()
for f in "${files[@]}"; do
	[ -f "$f" ] || { echo "no such test file: $f" >&2; exit 2; }
	names=$(bash -c ". '$tests_dir/lib.sh'; . '$f'; declare -F" | awk '$3 ~ /^test_/ { print $3 }')
	for t in $names; do
		log=$logdir/$t.log
		start=$(date +%s)
		if (
			set -eu
			. "$f"
			cd "$(mktemp -d "$logdir/$t.XXXX")"
			"$t"
		) >"$log" 2>&1 </dev/null; then
			passed=$((passed + 1))
			printf 'ok   %-45s %3ss\n' "$t" $(( $(date +%s) - start ))
		else
			failed=$((failed + 1))
			failures+=("$t")
			printf 'FAIL %-45s %3ss\n' "$t" $(( $(date +%s) - start ))
			sed 's/^/     | /' "$log" | tail -n 25
		fi
	done
done
[ $failed -eq 0 ] || printf 'failed: %s\nlogs: %s\n' "${failures[*]}" "$logdir"
[ $failed -ne 0 ] || rm -rf "$logdir"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
