# Issue 9: the /etc a program expects (runtime/etc), the same in a UKL image
# and for a normal process, and replaced by the program's own files.

# expect_default_etc FILE : the lookups of tests/guest/etc.c found the
# defaults.
expect_default_etc() {
	expect_line "$1" "passwd nobody uid=65534 gid=65534"
	expect_line "$1" "passwd uid 0 is root home=/root"
	expect_line "$1" "group nogroup gid=65534"
	expect_line "$1" "group gid 0 is root"
	expect_line "$1" "host localhost is 127.0.0.1"
	# QEMU's DNS at 10.0.2.3 is cut off by restrict=on: the resolver
	# asks the guest itself and fails at once
	expect_line "$1" "resolv.conf: nameserver 127.0.0.1"
	expect_line "$1" "unknown name failed in under 3 s"
	expect_line "$1" "etc: ok"
}

test_default_etc_in_a_ukl_image() {
	run_guest out --timeout 120 "$(guest_ukl etc)"
	expect_status 0
	expect_default_etc out
}

test_default_etc_for_a_normal_process() {
	run_guest out --timeout 120 --userspace "$(guest_userspace etc)"
	expect_status 0
	expect_default_etc out
}

# The program's own /etc/passwd replaces the default; the other defaults stay.
test_own_etc_file_replaces_the_default_both_modes() {
	cat >passwd <<'PASSWD'
root:x:0:0:root:/home/admin:/bin/sh
nobody:x:4242:4343:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
	run_guest ukl.out --timeout 120 "$(guest_ukl etc --add-file "$PWD/passwd:/etc/passwd")"
	expect_status 0
	run_guest user.out --timeout 120 --file "$PWD/passwd:/etc/passwd" \
		--userspace "$(guest_userspace etc)"
	expect_status 0
	for out in ukl.out user.out; do
		expect_line $out "passwd nobody uid=4242 gid=4343"
		expect_line $out "passwd uid 0 is root home=/home/admin"
		expect_line $out "group nogroup gid=65534"
		expect_line $out "host localhost is 127.0.0.1"
	done
}
