# Issue 2: the runner, the normal-process baseline, the build cache.

test_userspace_hello_args_env_status() {
	local prog
	prog=$(guest_userspace hello)
	run_guest out --timeout 120 --userspace -e GREETING=hi "$prog" -- one "two words" 'q"uote'
	expect_status 3
	expect_line out "argv[1]=one"
	expect_line out "argv[2]=two words"
	expect_line out 'argv[3]=q"uote'
	expect_line out "GREETING=hi"
	expect_line out "ukl: exit status 3"
}

test_userspace_sigsegv_gives_139() {
	run_guest out --timeout 120 --userspace "$(guest_userspace segv)"
	expect_status 139
	expect_line out "about to dereference NULL"
}

test_timeout_gives_124_and_no_qemu_left() {
	local before
	before=$(qemu_count)
	run_guest out --timeout 5 --userspace "$(guest_userspace forever)"
	expect_status 124
	grep -q "timed out after 5s" out || fail "no timeout message"
	[ "$(qemu_count)" -eq "$before" ] || fail "a QEMU process was left behind"
}

# Each bad invocation: non-zero status, exactly one line on stderr, no QEMU.
check_bad_invocation() {
	local want=$1 before
	shift
	before=$(qemu_count)
	status=0
	"$UKL" run "$@" >stdout 2>stderr || status=$?
	echo "ukl run $* -> $status"
	cat stdout stderr
	[ "$status" -eq "$want" ] || fail "expected status $want, got $status"
	[ ! -s stdout ] || fail "unexpected output on stdout"
	[ "$(wc -l <stderr)" -eq 1 ] || fail "want a one-line error"
	[ "$(qemu_count)" -eq "$before" ] || fail "a QEMU process was left behind"
}

test_missing_image_is_one_line_error() {
	check_bad_invocation 127 /nonexistent/image.ukl
	grep -q "not found" stderr || fail "message does not say the image is missing"
}

test_unknown_option_is_one_line_error() {
	check_bad_invocation 125 --frobnicate "$(guest_userspace hello)"
	grep -q "unknown option '--frobnicate'" stderr || fail "message does not name the option"
}

test_malformed_port_forward_is_one_line_error() {
	local p
	for p in 80 80:x :80 0:80 70000:80 80:80:80; do
		check_bad_invocation 125 -p "$p" --userspace "$(guest_userspace hello)"
		grep -q "malformed -p" stderr || fail "message does not say -p is malformed"
	done
}

test_wrong_image_kind_is_one_line_error() {
	check_bad_invocation 126 "$(guest_userspace hello)"
	grep -q "with --userspace" stderr || fail "message does not say what to do"
	echo "not an image" >junk.img
	check_bad_invocation 126 junk.img
}

test_second_kernel_build_does_nothing() {
	local dir before after
	dir=$("$UKL" build-kernel 2>/dev/null)
	before=$(stat -c %Y "$dir/.ukl-built" "$dir/vmlinux")
	"$UKL" build-kernel >out 2>&1
	cat out
	grep -q "kernel: up to date" out || fail "second build did not find the cache"
	after=$(stat -c %Y "$dir/.ukl-built" "$dir/vmlinux")
	[ "$before" = "$after" ] || fail "the kernel was rebuilt"
}
