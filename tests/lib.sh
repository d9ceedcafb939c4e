# Helpers for the test cases: building guest programs, running the runner
# and checking what came back. Sourced by tests/run.sh and the cases.

UKL=${UKL_ROOT}/bin/ukl

fail() {
	echo "FAILED: $*"
	exit 1
}

# guest_userspace NAME : print the path of tests/guest/NAME.c built as a
# normal static program (cached by source hash).
guest_userspace() {
	local src=$UKL_ROOT/tests/guest/$1.c key out
	key=$(sha256sum "$src" | cut -c1-16)
	out=$UKL_CACHE/tests/userspace/$1-$key
	if [ ! -x "$out" ]; then
		mkdir -p "$(dirname "$out")"
		gcc -static -O2 -Wall -o "$out.tmp" "$src" -lpthread -lm
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

# guest_ukl NAME [UKL-GCC ARGS...] : print the path of tests/guest/NAME.c
# built with ukl-gcc as a UKL image, cached by everything that goes into it.
guest_ukl() {
	local name=$1 src=$UKL_ROOT/tests/guest/$1.c key out kb
	shift
	kb=$("$UKL_ROOT/scripts/build-kernel.sh" --quiet)
	key=$( (cat "$src" "$UKL_ROOT"/toolchain/* "$UKL_ROOT"/bin/ukl-gcc \
		"$UKL_ROOT"/scripts/link-image.sh "$UKL_ROOT"/scripts/check-image.sh \
		"$UKL_ROOT"/scripts/runtime.sh \
		"$UKL_ROOT"/runtime/app/*.c "$UKL_ROOT"/runtime/init/*.[ch] "$UKL_ROOT"/runtime/etc/*
		echo "$kb $*"
		# a specialized image also depends on what specializes it
		case " $* " in
		*" --specialize"*)
			cat "$UKL_ROOT"/scripts/specialize* "$UKL_ROOT"/kernel/specialize.map \
				"$UKL_ROOT"/runtime/specialize/* "$UKL_ROOT"/kernel/ukl-vm.config ;;
		esac
		stat -c %Y "$kb/vmlinux") | sha256sum | cut -c1-16)
	out=$UKL_CACHE/tests/ukl/$name-$key.ukl
	if [ ! -f "$out" ]; then
		mkdir -p "$(dirname "$out")"
		"$UKL_ROOT/bin/ukl-gcc" -O2 -Wall -pthread "$@" -o "$out" "$src" -lm >&2
	fi
	echo "$out"
}

# check_both NAME STATUS LINE [RUN OPTIONS...] [-- ARGS...] : as a UKL
# image (output in ukl.out) and as a normal process (user.out),
# tests/guest/NAME.c prints LINE and exits with STATUS.
check_both() {
	local name=$1 want=$2 line=$3 image prog
	local opts=() args=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -eq 0 ] || { shift; args=(-- "$@"); }
	image=$(guest_ukl "$name")
	run_guest ukl.out --timeout 300 ${opts[@]+"${opts[@]}"} "$image" ${args[@]+"${args[@]}"}
	expect_status "$want"
	expect_line ukl.out "$line"
	prog=$(guest_userspace "$name")
	run_guest user.out --timeout 300 ${opts[@]+"${opts[@]}"} --userspace "$prog" \
		${args[@]+"${args[@]}"}
	expect_status "$want"
	expect_line user.out "$line"
}

# need_command CMD PACKAGE : fail, naming the Debian package that
# bin/ukl setup installs for it, unless CMD is on the PATH.
need_command() {
	command -v "$1" >/dev/null || fail "$1 is missing (bin/ukl setup installs $2)"
}

# run_guest OUTFILE ARGS... : run "ukl run ARGS...", keep stdout and stderr
# in OUTFILE, and set $status to the runner's exit status.
run_guest() {
	local out=$1
	shift
	status=0
	"$UKL" run "$@" >"$out" 2>&1 || status=$?
	echo "--- ukl run $* -> status $status"
	cat "$out"
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "expected status $1, got $status"
}

# expect_line FILE LINE : FILE has LINE as a whole line.
expect_line() {
	grep -qxF -- "$2" "$1" || fail "no line '$2' in the output"
}

# expect_no_oops FILE : the kernel messages in FILE tell of no oops, BUG,
# panic, WARNING or double fault. Two kinds of line are fine: the command
# line (it has panic=-1) and the one-line report of a process's fatal
# signal ("traps: NAME[PID] general protection fault ip:..."), which a
# normal process gets too.
expect_no_oops() {
	local bad
	bad=$(grep -E 'Oops|BUG:|panic|general protection|WARNING:|double fault' "$1" |
		grep -Ev 'ommand line:|traps: [^ ]+\[[0-9]+\] general protection fault ip:' || true)
	[ -z "$bad" ] || fail "the kernel complained: $(echo "$bad" | head -n 1)"
}

# qemu_count : how many QEMU processes run now (to find leftovers).
qemu_count() {
	pgrep -c -x qemu-system-x86 || true
}
