# Issue 9: host directories shared with the guest (ukl run -v
# HOSTDIR:GUESTDIR[:ro]), as a UKL image and as a normal process.

# run_volumes_guest MODE OUTFILE [RUN OPTIONS...] -- STEPS... : run
# tests/guest/volumes.c with STEPS, as a UKL image (MODE ukl) or as a
# normal process (MODE userspace).
run_volumes_guest() {
	local mode=$1 out=$2 opts=() prog
	shift 2
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	if [ "$mode" = ukl ]; then
		prog=$(guest_ukl volumes)
	else
		prog=$(guest_userspace volumes)
		opts+=(--userspace)
	fi
	run_guest "$out" --timeout 120 ${opts[@]+"${opts[@]}"} "$prog" "$@"
}

test_volume_read_and_write_both_modes() {
	local mode
	for mode in ukl userspace; do
		mkdir -p "share-$mode"
		echo "from the host, $mode" >"share-$mode/in.txt"
		# a relative host directory works too
		run_volumes_guest $mode out.$mode -v "share-$mode:/data" -- \
			cat /data/in.txt write /data/out.txt "from the guest, $mode"
		expect_status 0
		expect_line out.$mode "cat /data/in.txt: from the host, $mode"
		expect_line out.$mode "volumes: ok"
		[ "$(cat "share-$mode/out.txt")" = "from the guest, $mode" ] ||
			fail "$mode: the file the guest wrote is not on the host"
	done
}

test_readonly_volume_refuses_writes_both_modes() {
	local mode
	mkdir ro
	echo "read me" >ro/in.txt
	for mode in ukl userspace; do
		run_volumes_guest $mode out.$mode -v "$PWD/ro:/ro:ro" -- cat /ro/in.txt erofs /ro/new.txt
		expect_status 0
		expect_line out.$mode "cat /ro/in.txt: read me"
		expect_line out.$mode "erofs /ro/new.txt: ok"
		if [ -e ro/new.txt ] || [ -e ro/new.txt.d ]; then
			fail "$mode: a file appeared in the read-only share"
		fi
	done
}

test_two_volumes_at_once_both_modes() {
	local mode
	mkdir -p in
	echo "input" >in/a.txt
	for mode in ukl userspace; do
		mkdir -p "out-$mode"
		# the second guest directory does not exist yet: ukl-init makes it
		run_volumes_guest $mode out.$mode -v "$PWD/in:/in:ro" -v "$PWD/out-$mode:/mnt/deep/out" -- \
			cat /in/a.txt write /mnt/deep/out/b.txt "output $mode" erofs /in/c.txt
		expect_status 0
		expect_line out.$mode "cat /in/a.txt: input"
		expect_line out.$mode "volumes: ok"
		[ "$(cat "out-$mode/b.txt")" = "output $mode" ] || fail "$mode: no output on the host"
	done
}

# A bad -v: status 125, one line on stderr, nothing on stdout, no QEMU.
expect_usage_error() {
	local before
	before=$(qemu_count)
	status=0
	"$UKL" run "$@" >stdout 2>stderr || status=$?
	echo "ukl run $* -> $status"
	cat stdout stderr
	[ "$status" -eq 125 ] || fail "expected status 125, got $status"
	[ ! -s stdout ] || fail "unexpected output on stdout"
	[ "$(wc -l <stderr)" -eq 1 ] || fail "want a one-line error"
	[ "$(qemu_count)" -eq "$before" ] || fail "a QEMU process was left behind"
}

test_missing_host_directory_is_125_both_modes() {
	expect_usage_error -v /nonexistent/dir:/data "$(guest_ukl volumes)"
	grep -q "host directory /nonexistent/dir does not exist" stderr || fail "message does not name the directory"
	expect_usage_error -v /nonexistent/dir:/data --userspace "$(guest_userspace volumes)"
	grep -q "does not exist" stderr || fail "message does not say what is wrong"
}

test_malformed_volume_is_125() {
	local spec prog
	prog=$(guest_userspace volumes)
	mkdir d
	for spec in d "$PWD/d:relative" "$PWD/d:/x:rx" ":/x" "$PWD/d:/" "$PWD/d:/a//b" \
		"$PWD/d:/a/" "$PWD/d:/a/../b" "$PWD/d:/proc" "$PWD/d:/dev" "$PWD/d:/x:ro:ro"; do
		expect_usage_error -v "$spec" --userspace "$prog"
	done
	expect_usage_error -v "$PWD/d:/x" -v "$PWD/d:/x" --userspace "$prog"
	grep -q "already shared" stderr || fail "a guest directory shared twice was not named"
	# the old meaning of -v (verbose) gets a hint
	expect_usage_error -v "$prog"
	grep -q -- "--verbose" stderr || fail "no hint at --verbose"
	expect_usage_error --userspace -v
	grep -q -- "-v needs HOSTDIR:GUESTDIR" stderr || fail "a -v without its argument was not named"
}

test_verbose_is_the_long_option_for_boot_messages() {
	run_guest out --timeout 120 --verbose --userspace "$(guest_userspace hello)"
	expect_status 3
	grep -q "Linux version 6\.1" out || fail "--verbose does not show the kernel's messages"
	run_guest quiet.out --timeout 120 --userspace "$(guest_userspace hello)"
	expect_status 3
	if grep -q "Linux version" quiet.out; then
		fail "kernel messages without --verbose"
	fi
}
