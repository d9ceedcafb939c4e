# Issue 10: the kernel settings a unikernel can take because it owns its
# VM (ukl run --tuning, docs/runner.md "Tuning"). A UKL image boots with
# them, a normal process with Linux's defaults, and each can be given the
# other's; ukl package bakes them into the image. What they save is a
# benchmark (bin/ukl bench echo), not a test.

napi_tx=/sys/module/virtio_net/parameters/napi_tx

# expect_napi_tx FILE Y|N : the guest's virtio-net driver ran with
# napi_tx=Y (an interrupt per sent packet, Linux's default) or N.
expect_napi_tx() {
	expect_line "$1" "show $napi_tx=$2"
}

test_ukl_images_boot_tuned_and_processes_with_linux_defaults() {
	local image prog
	image=$(guest_ukl show_file)
	prog=$(guest_userspace show_file)
	run_guest ukl.out --timeout 120 "$image" -- "$napi_tx"
	expect_status 0
	expect_napi_tx ukl.out N
	run_guest user.out --timeout 120 --userspace "$prog" -- "$napi_tx"
	expect_status 0
	expect_napi_tx user.out Y
	# each mode with the other's settings
	run_guest ukl-linux.out --timeout 120 --tuning linux "$image" -- "$napi_tx"
	expect_status 0
	expect_napi_tx ukl-linux.out Y
	run_guest user-tuned.out --timeout 120 --tuning ukl --userspace "$prog" -- "$napi_tx"
	expect_status 0
	expect_napi_tx user-tuned.out N
	# the pc machine too (virtio-net on PCI)
	run_guest pc.out --timeout 120 --machine pc "$image" -- "$napi_tx"
	expect_status 0
	expect_napi_tx pc.out N
}

test_package_bakes_the_tuning_in() {
	local image
	image=$(guest_ukl show_file)
	"$UKL" package --elf tuned.elf "$image" -- "$napi_tx" || fail "ukl package --elf failed"
	"$UKL" package --elf linux.elf --tuning linux "$image" -- "$napi_tx" ||
		fail "ukl package --elf --tuning linux failed"
	. "$UKL_ROOT/scripts/cmdline.sh"
	ukl_builtin_cmdline tuned.elf | grep -qw -- "$UKL_TUNING_ARGS" ||
		fail "the tuning is not in the packaged image's built-in command line"
	! ukl_builtin_cmdline linux.elf | grep -qw -- "$UKL_TUNING_ARGS" ||
		fail "--tuning linux baked the tuning in"
	# Booted with Linux's defaults, the packaged image still has its own.
	run_guest tuned.out --timeout 120 --tuning linux tuned.elf
	expect_status 0
	expect_napi_tx tuned.out N
	run_guest linux.out --timeout 120 --tuning linux linux.elf
	expect_status 0
	expect_napi_tx linux.out Y
}

test_bad_tuning_is_a_usage_error() {
	run_guest out --tuning fast "$(guest_ukl show_file)"
	expect_status 125
	grep -q "bad --tuning 'fast' (ukl or linux)" out || fail "no message naming the bad tuning"
	"$UKL" package --elf x.elf --tuning fast "$(guest_ukl show_file)" >err 2>&1 &&
		fail "ukl package took --tuning fast"
	grep -q "bad --tuning 'fast'" err || fail "ukl package: no message naming the bad tuning"
	[ ! -e x.elf ] || fail "ukl package left x.elf behind"
}
