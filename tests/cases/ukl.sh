# Issue 3: the UKL kernel. Every program runs twice: as a UKL image (in
# ring 0, linked into vmlinux) and as a normal process on the same kernel.

test_ukl_runs_in_ring0_inside_vmlinux() {
	local image main_addr stext etext
	image=$(guest_ukl ring0)
	run_guest out --timeout 120 "$image"
	expect_status 0
	expect_line out "cpl=0"
	# main is a symbol of the kernel image, inside the kernel's text
	main_addr=$(nm "$image" | awk '$3 == "main" { print $1 }')
	stext=$(nm "$image" | awk '$3 == "_stext" { print $1 }')
	etext=$(nm "$image" | awk '$3 == "_etext" { print $1 }')
	[ -n "$main_addr" ] || fail "no symbol main in the image"
	expect_line out "main=0x$main_addr"
	[[ "$main_addr" > "$stext" && "$main_addr" < "$etext" ]] ||
		fail "main ($main_addr) is outside the kernel text ($stext-$etext)"
	run_guest user.out --timeout 120 --userspace "$(guest_userspace ring0)"
	expect_status 0
	expect_line user.out "cpl=3"
}

test_ukl_image_has_no_syscall_instruction() {
	local image start end
	image=$(guest_ukl io)
	"$UKL_ROOT/scripts/check-image.sh" "$image" || fail "check-image rejects the image"
	start=$(nm "$image" | awk '$3 == "__ukl_text_start" { print $1 }')
	end=$(nm "$image" | awk '$3 == "__ukl_text_end" { print $1 }')
	objdump -d --start-address="0x$start" --stop-address="0x$end" "$image" >dis
	[ "$(wc -l <dis)" -gt 10000 ] || fail "too little application code disassembled"
	if grep -qE '\s(syscall|sysenter)\s*$' dis; then
		fail "a syscall instruction in the application code"
	fi
	grep -q 'call.*<__ukl_syscall>' dis || fail "no call to __ukl_syscall"
}

test_ukl_word_accesses_to_static_data() {
	# get_user() and put_user() of 4 and 8 bytes on the program's static
	# data: in the kernel half for UKL, and accepted for it only
	check_both uaccess 0 "uaccess: ok"
	run_guest kp.out --timeout 120 --userspace "$(guest_userspace uaccess)" \
		-- kernel-pointer
	expect_status 0
	expect_line kp.out "uaccess: kernel pointer refused"
}

test_ukl_args_env_and_exit_status_7() {
	check_both status 7 "argv[1]=7" -e K=V -e "SPACED=a b" -- 7 "two words"
	expect_line ukl.out "argv[2]=two words"
	expect_line ukl.out "env K=V"
	expect_line ukl.out "env SPACED=a b"
}

test_ukl_tls_constructors_atexit() {
	check_both tls_ctor 0 "tls_ctor: ok" --smp 2
	expect_line ukl.out "tls_ctor: atexit handler ran"
	expect_line user.out "tls_ctor: atexit handler ran"
}

test_ukl_pthreads_on_two_vcpus() {
	check_both threads 0 "threads: ok" --smp 2
}

test_ukl_fpu_survives_preemption() {
	check_both fpu 0 "fpu: ok" --smp 2
	grep -q "fpu: .* rounds per thread" ukl.out || fail "no round count"
}

test_ukl_signals_alarm_and_sigsegv_handler() {
	check_both signals 0 "signals: ok"
}

test_ukl_syscall_keeps_registers_and_restarts() {
	check_both syscall_abi 0 "syscall_abi: ok" --smp 2
}

test_ukl_unhandled_null_dereference_gives_139() {
	check_both segv 139 "about to dereference NULL"
}

test_ukl_stack_growth_main_and_thread() {
	check_both stack 0 "stack: ok" -m 1G
}

test_ukl_malloc_mmap_mprotect() {
	check_both memory 0 "memory: ok" -m 1G
}

test_ukl_tmpfs_pipe_loopback_tcp() {
	check_both io 0 "io: ok" --smp 2
}

test_ukl_posix_spawn_of_a_normal_program() {
	local helper image
	helper=$(guest_userspace helper)
	image=$(guest_ukl spawn --add-file "$helper:/bin/helper")
	run_guest out --timeout 120 "$image"
	expect_status 0
	expect_line out "spawn: ok"
	# the helper is a normal process: ring 3
	expect_line out "helper: cpl=3 arg=from-spawn"
	run_guest user.out --timeout 120 --file "$helper:/bin/helper" \
		--userspace "$(guest_userspace spawn)"
	expect_status 0
	expect_line user.out "spawn: ok"
}

test_ukl_libc_features() {
	check_both libc 0 "libc: ok"
}

test_kernel_without_ukl_boots_a_normal_init() {
	local kb
	kb=$("$UKL_ROOT/scripts/build-kernel.sh" --variant plain --quiet)
	grep -q '^# CONFIG_UNIKERNEL_LINUX is not set' "$kb/.config" ||
		fail "the plain kernel has UKL on"
	[ -f "$kb/../src/.ukl-patched" ] || fail "the plain kernel is not the patched tree"
	status=0
	UKL_KERNEL=$kb/vmlinux "$UKL" run --timeout 120 --userspace \
		"$(guest_userspace status)" -- 4 >out 2>&1 || status=$?
	cat out
	expect_status 4
	expect_line out "argv[1]=4"
	nm "$kb/vmlinux" | grep -q ' __ukl_syscall$' && fail "the plain kernel has UKL code"
	true
}
