# Issue 13: ukl-gcc --specialize, a kernel fitted to the program.

# The note refuse.c writes for a call outside the program's set.
note_for() {
	echo "ukl: system call $1 ($2) is not in this specialized image: ENOSYS (ukl-gcc --specialize-keep=$1 keeps it)"
}

test_specialize_unseen_call_gets_enosys_and_one_note() {
	local image
	image=$(guest_ukl unseen_call --specialize)
	run_guest out --timeout 120 "$image" -- 102
	expect_status 0
	expect_line out "unseen_call: constant call made"
	expect_line out "unseen_call: call 102: ENOSYS"
	expect_line out "unseen_call: went on"
	expect_line out "$(note_for getuid 102)"
	[ "$(grep -c 'is not in this specialized image' out)" -eq 1 ] ||
		fail "want one note for two calls of the same number"
	expect_no_oops out
	# The same call in a generic image and in a normal process is made.
	run_guest generic.out --timeout 120 "$(guest_ukl unseen_call)" -- 102
	expect_status 0
	expect_line generic.out "unseen_call: call 102 made"
	run_guest user.out --timeout 120 --userspace "$(guest_userspace unseen_call)" -- 102
	expect_status 0
	expect_line user.out "unseen_call: call 102 made"
}

test_specialize_report_and_the_kernel_it_describes() {
	local src=$UKL_ROOT/tests/guest/unseen_call.c
	"$UKL_ROOT/bin/ukl-gcc" -O2 --specialize-report report.txt -o spec.ukl "$src" 2>err ||
		{ cat err; fail "ukl-gcc --specialize-report failed"; }
	cat err report.txt
	grep -q "^ukl: specialize: [0-9]* system calls kept, [0-9]* kernel options off$" err ||
		fail "no summary line"
	grep -qx "  CONFIG_EPOLL: nothing makes epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2 epoll_ctl_old epoll_wait_old" report.txt ||
		fail "the report does not say why epoll went"
	grep -q "^  CONFIG_FUTEX: needed by futex" report.txt || fail "the report does not say why futexes stay"
	grep -q "^  main: calls syscall with a number computed at run time (2 sites)$" report.txt ||
		fail "the report does not name the site it could not see"
	grep -q "^  getppid: main$" report.txt ||
		fail "syscall(SYS_getppid) was not traced to main"
	# The kernel lacks what the report says went, and the generic one has
	# it. (A call configured out stays as a weak alias, "W", of
	# sys_ni_syscall: the real handler is a "T".)
	nm spec.ukl >spec.syms
	grep -q ' T __x64_sys_getppid$' spec.syms || fail "no getppid in the specialized kernel"
	if grep -qE ' T (__x64_sys_epoll_wait|__x64_sys_io_setup|__x64_sys_shmget)$' spec.syms; then
		fail "epoll, aio or SysV IPC is still in the specialized kernel"
	fi
	nm "$(guest_ukl unseen_call)" | grep -q ' T __x64_sys_epoll_wait$' ||
		fail "the generic kernel has no epoll: the check above proves nothing"
}

# kernel_build_of IMAGE : the kernel build directory IMAGE was linked against.
kernel_build_of() {
	objcopy --dump-section .ukl.kernel-build=kernel-build.txt "$1" scratch.img
	rm -f scratch.img
	cat kernel-build.txt
}

test_specialize_kernel_is_built_once_per_set() {
	local a b c stamp
	# hello and status are different programs with the same needs (no
	# sockets, no epoll, ...): one kernel, built at most once.
	"$UKL_ROOT/bin/ukl-gcc" -O2 --specialize -o a.ukl "$UKL_ROOT/tests/guest/hello.c" 2>a.err ||
		{ cat a.err; fail "first link failed"; }
	a=$(kernel_build_of a.ukl)
	case "$a" in
	*/linux-ukl-spec-*/build) ;;
	*) fail "not a specialized kernel: $a" ;;
	esac
	stamp=$(stat -c %Y "$a/vmlinux")
	"$UKL_ROOT/bin/ukl-gcc" -O2 --specialize -o b.ukl "$UKL_ROOT/tests/guest/status.c" 2>b.err ||
		{ cat b.err; fail "second link failed"; }
	cat a.err b.err
	if grep -qE 'kernel: (unpacking|configuring|building)' b.err; then
		fail "the second program with the same needs built a kernel again"
	fi
	b=$(kernel_build_of b.ukl)
	[ "$a" = "$b" ] || fail "two programs with the same needs got two kernels: $a, $b"
	[ "$(stat -c %Y "$b/vmlinux")" = "$stamp" ] || fail "the kernel was rebuilt"
	# A program with sockets needs IPv4: another kernel.
	c=$(kernel_build_of "$(guest_ukl io --specialize)")
	[ "$c" != "$a" ] || fail "a program with TCP sockets got the kernel without IPv4"
	run_guest status.out --timeout 120 b.ukl -- 5
	expect_status 5
	expect_line status.out "argv[1]=5"
	run_guest hello.out --timeout 120 a.ukl -- one
	expect_status 3
	expect_line hello.out "argv[1]=one"
}

test_specialized_guest_programs_pass() {
	# threads, TLS and constructors, signals, files, pipes and TCP
	run_guest t.out --timeout 300 --smp 2 "$(guest_ukl threads --specialize)"
	expect_status 0
	expect_line t.out "threads: ok"
	run_guest tls.out --timeout 300 --smp 2 "$(guest_ukl tls_ctor --specialize)"
	expect_status 0
	expect_line tls.out "tls_ctor: ok"
	run_guest s.out --timeout 300 "$(guest_ukl signals --specialize)"
	expect_status 0
	expect_line s.out "signals: ok"
	run_guest io.out --timeout 300 --smp 2 "$(guest_ukl io --specialize)"
	expect_status 0
	expect_line io.out "io: ok"
	for f in t.out tls.out s.out io.out; do
		expect_no_oops "$f"
		if grep -q 'is not in this specialized image' "$f"; then
			fail "$f: a call the program makes was left out: $(grep 'is not in' "$f")"
		fi
	done
}

test_specialize_keep_and_bad_input() {
	local src=$UKL_ROOT/tests/guest/unseen_call.c status
	"$UKL_ROOT/bin/ukl-gcc" -O2 --specialize-keep=getuid -o keep.ukl "$src" 2>keep.err ||
		{ cat keep.err; fail "--specialize-keep=getuid failed"; }
	run_guest keep.out --timeout 120 keep.ukl -- 102
	expect_status 0
	expect_line keep.out "unseen_call: call 102 made"
	status=0
	"$UKL_ROOT/bin/ukl-gcc" -O2 --specialize-keep=no_such_call -o bad.ukl "$src" 2>bad.err || status=$?
	cat bad.err
	[ "$status" -ne 0 ] || fail "an unknown --specialize-keep name was accepted"
	[ ! -e bad.ukl ] || fail "an image was written anyway"
	grep -q "no_such_call is neither an x86-64 system call" bad.err || fail "the error does not name the word"
}

test_specialize_analysis_covers_every_call_made() {
	# Each program as a normal static program on the host, under strace:
	# every system call it really makes must be in the set ukl-gcc
	# --specialize found in its UKL build (the same glibc 2.36). The
	# first execve is strace's, which started the program.
	local p src missing name
	need_command strace strace
	for p in threads signals tls_ctor io clock etc memory; do
		src=$UKL_ROOT/tests/guest/$p.c
		"$UKL_ROOT/bin/ukl-gcc" -O2 -pthread --specialize-report "$p.report" \
			-o "$p.ukl" "$src" -lm 2>"$p.err" || { cat "$p.err"; fail "$p: ukl-gcc failed"; }
		sed -n '4p' "$p.report" | tr -d ' ' | tr ',' '\n' >"$p.kept"
		[ "$(wc -l <"$p.kept")" -gt 20 ] || fail "$p: no list of calls in the report"
		gcc -static -O2 -pthread -o "$p.host" "$src" -lm
		timeout 60 strace -f -qq -o "$p.trace" "./$p.host" >"$p.out" 2>&1 </dev/null || true
		missing=""
		for name in $(sed -E 's/^[0-9]+ +//; s/\(.*//' "$p.trace" | grep -E '^[a-z0-9_]+$' | sort -u); do
			[ "$name" != execve ] || continue
			grep -qx "$name" "$p.kept" || missing="$missing $name"
		done
		echo "$p: $(wc -l <"$p.kept") calls kept, traced: $(sed -E 's/^[0-9]+ +//; s/\(.*//' "$p.trace" | grep -cE '^[a-z0-9_]+$') calls"
		[ -z "$missing" ] || fail "$p makes calls the analysis missed:$missing"
	done
}
