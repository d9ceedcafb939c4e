# bin/ukl bench soak as a functional test: a short run of the echo-epoll
# soak in both modes (nothing about speed is asserted), with the memory
# lines ukl run --mem-report adds to the console.

test_bench_soak_20s_10_connections_no_errors_memory_reported() {
	status=0
	"$UKL" bench soak --seconds 20 --connections 10 --port 17815 --out results \
		>soak.out 2>&1 || status=$?
	cat soak.out
	expect_status 0
	for mode in ukl process; do
		grep -qE "^soak $mode: min=[0-9.]+ t_s=[0-9]+ roundtrips=[1-9][0-9]* errors=0 used_kib=[0-9]+ " soak.out ||
			fail "no interval line with round trips, 0 errors and memory for $mode"
		grep -qE "^soak $mode: done .* errors=0 " soak.out || fail "errors against $mode"
		grep -q '^ukl: mem used_kib=[0-9]* total_kib=' "results/$mode.console" ||
			fail "no memory lines on the $mode console"
	done
	tail -n 1 soak.out | grep -qE '^soak ukl/process: roundtrips=[0-9]+/[0-9]+ errors=0/0 mem_growth_kib=-?[0-9]+/-?[0-9]+$' ||
		fail "wrong last line"
}

# ukl run --mem-report: ukl-init prints the guest's memory use every
# second while it waits, in both modes, and still reports the exit status.
test_run_mem_report_both_modes() {
	local image prog
	image=$(guest_ukl forever)
	prog=$(guest_userspace forever)
	run_guest ukl.out --timeout 12 --mem-report 1 "$image"
	expect_status 124
	run_guest user.out --timeout 12 --mem-report 1 --userspace "$prog"
	expect_status 124
	for out in ukl.out user.out; do
		[ "$(grep -cE '^ukl: mem used_kib=[1-9][0-9]* total_kib=[1-9][0-9]* uptime_s=[0-9]+$' $out)" -ge 3 ] ||
			fail "fewer than 3 memory lines in $out"
	done
	check_both hello 3 "GREETING=hi" --mem-report 1 -e GREETING=hi
	run_guest bad.out --mem-report 0 --userspace "$(guest_userspace hello)"
	expect_status 125
}
