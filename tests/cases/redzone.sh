# The red zone in ring 0, and the code that needs it: Debian's prebuilt
# static libraries and libgcc's and libm's red-zone helpers link as they
# are, and their data below %rsp survives interrupts, exceptions and
# signals. Each program runs as UKL and as a normal process.

UKL_GCC=$UKL_ROOT/bin/ukl-gcc

test_red_zone_survives_interrupts_and_signals_on_two_vcpus() {
	check_both redzone 0 "redzone: ok" --smp 2 -- 4 2
	# the loop really ran while timer signals were delivered
	grep -Eq '^redzone: [1-9][0-9]* signals$' ukl.out ||
		fail "no timer signal reached the UKL program"
}

test_int128_division_and_long_double_math_from_libgcc_and_libm() {
	local image rz
	check_both wide_math 0 "wide_math: all ok"
	# the image really runs red-zone code from libgcc and libm in ring 0
	image=$(guest_ukl wide_math)
	rz=$(red_zone_functions "$image")
	echo "red-zone functions: $rz"
	grep -Eq '(^| )__(u?mod|u?div)ti3( |$)' <<<"$rz" ||
		fail "no red-zone 128-bit helper from libgcc in the image"
	grep -Eq '(^| )__ieee754_[a-z]+l( |$)' <<<"$rz" ||
		fail "no red-zone long double function from libm in the image"
}

test_debian_libz_a_links_as_it_is() {
	local libz
	libz=$(gcc -print-file-name=libz.a)
	[ -f "$libz" ] || fail "zlib1g-dev's libz.a is missing (bin/ukl setup installs it)"
	# Debian's libz.a keeps data in the red zone: the test is about that
	objdump -d "$libz" | grep -qE -- '-0x[0-9a-f]+\(%rsp[,)]' ||
		fail "libz.a has no red-zone access; the test proves nothing"
	"$UKL_GCC" -O2 -o zlib.ukl "$UKL_ROOT/tests/guest/zlib_roundtrip.c" -lz
	[ -n "$(red_zone_functions zlib.ukl)" ] || fail "no red-zone code in the zlib image"
	gcc -static -O2 -o zlib.user "$UKL_ROOT/tests/guest/zlib_roundtrip.c" -lz
	run_guest ukl.out --timeout 300 zlib.ukl
	expect_status 0
	run_guest user.out --timeout 300 --userspace zlib.user
	expect_status 0
	grep -q '^zlib: version .* ok$' ukl.out || fail "zlib did not finish in UKL"
	# the program's own lines, without what the kernel may print at boot
	grep '^zlib: ' ukl.out >ukl.zlib
	grep '^zlib: ' user.out >user.zlib
	diff ukl.zlib user.zlib || fail "UKL and the process disagree"
}

# red_zone_functions IMAGE : the functions of the program's text (between
# __ukl_text_start and __ukl_text_end) that access memory below %rsp.
red_zone_functions() {
	local range
	range=$(nm "$1" | awk '$3 == "__ukl_text_start" { s = $1 } $3 == "__ukl_text_end" { e = $1 }
		END { print s, e }')
	set -- "$1" $range
	objdump -d --no-show-raw-insn --start-address="0x$2" --stop-address="0x$3" "$1" |
		awk '/^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn) }
			/[ ,(]-0x[0-9a-f]+\(%rsp[,)]/ { print fn }' | sort -u | tr '\n' ' '
}
