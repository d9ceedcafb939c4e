# fork() of the UKL application fails with EOPNOTSUPP (its data is part of the
# kernel image and cannot be copied for a child); vfork, posix_spawn,
# system() and popen() work. As a normal process fork() works as usual.

test_fork_is_refused_cleanly_and_spawning_still_works() {
	local helper sh image
	helper=$(guest_userspace helper)
	sh=/bin/busybox
	[ -x "$sh" ] || fail "$sh is missing (bin/ukl setup installs busybox-static)"
	image=$(guest_ukl fork --add-file "$helper:/bin/helper" --add-file "$sh:/bin/sh")
	run_guest ukl.out --timeout 120 "$image"
	expect_status 0
	expect_line ukl.out "fork: refused EOPNOTSUPP"
	expect_line ukl.out "fork: ok"
	expect_no_oops ukl.out
	run_guest user.out --timeout 120 --file "$helper:/bin/helper" --file "$sh:/bin/sh" \
		--userspace "$(guest_userspace fork)"
	expect_status 0
	expect_line user.out "fork: child status 7"
	expect_line user.out "fork: ok"
}
