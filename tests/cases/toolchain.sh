# Issue 4: ukl-gcc, UKL's glibc and the image checker.

UKL_GCC=$UKL_ROOT/bin/ukl-gcc

test_ukl_gcc_builds_a_multi_file_project() {
	mkdir -p inc
	cat >inc/greet.h <<'C'
const char *greeting(void);
double half(double x);
C
	cat >greet.c <<'C'
#include <math.h>
#include "greet.h"
const char *greeting(void) { return GREETING; }
double half(double x) { return sqrt(x * x) / 2; }
C
	cat >main.c <<'C'
#include <stdio.h>
#include "greet.h"
int main(void) { printf("%s %.2f\n", greeting(), half(-5.0)); return 0; }
C
	"$UKL_GCC" -c -O2 -g -Iinc -DGREETING='"hello from a library"' greet.c -o greet.o
	ar rcs libgreet.a greet.o
	"$UKL_GCC" -O2 -Iinc -o app.ukl main.c -L. -lgreet -lm -Wl,--no-undefined -pthread
	run_guest out --timeout 120 app.ukl
	expect_status 0
	expect_line out "hello from a library 2.50"
}

test_make_with_cc_ukl_gcc_builds_an_image() {
	cp "$UKL_ROOT"/examples/echo/* .
	make CC="$UKL_GCC" >make.log 2>&1 || { cat make.log; fail "make failed"; }
	nm echo | grep -q ' ukl_app_entry$' || fail "make did not produce a UKL image"
	"$UKL_ROOT/scripts/check-image.sh" echo
}

test_undefined_symbol_is_named_not_bound_to_the_kernel() {
	cat >undef.c <<'C'
void not_defined_anywhere(void);
int printk(const char *fmt, ...);
int main(void) { not_defined_anywhere(); return printk("x"); }
C
	status=0
	"$UKL_GCC" -o undef.ukl undef.c 2>err || status=$?
	cat err
	[ "$status" -ne 0 ] || fail "ukl-gcc accepted undefined symbols"
	grep -q 'undefined reference to `not_defined_anywhere' err || fail "symbol not named"
	# printk exists in the kernel: the program must not bind to it
	grep -q 'undefined reference to `printk' err || fail "printk was not reported"
	[ ! -e undef.ukl ] || fail "an image was written anyway"
}

test_checker_rejects_a_stray_syscall() {
	cat >raw.c <<'C'
int main(void)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "0"(39L) : "rcx", "r11", "memory");
	return ret > 0 ? 0 : 1;
}
C
	status=0
	"$UKL_GCC" -o raw.ukl raw.c 2>err || status=$?
	cat err
	[ "$status" -ne 0 ] || fail "an image with a syscall instruction was accepted"
	grep -q 'main: syscall-instruction' err || fail "the checker did not name main"
}

test_checker_rejects_red_zone_code() {
	cat >leaf.c <<'C'
int leaf(int a)
{
	volatile int buf[8];

	for (int i = 0; i < 8; i++)
		buf[i] = a + i;
	return buf[a & 7];
}
C
	cat >main.c <<'C'
int leaf(int a);
int main(int argc, char **argv) { (void)argv; return leaf(argc); }
C
	gcc -O2 -c leaf.c -o leaf.o	# a normal compiler: red zone allowed
	objdump -d leaf.o | grep -qE -- '-0x[0-9a-f]+\(%rsp[,)]' ||
		fail "the test object does not use the red zone; the test proves nothing"
	status=0
	"$UKL_GCC" -o rz.ukl main.c leaf.o 2>err || status=$?
	cat err
	[ "$status" -ne 0 ] || fail "an object using the red zone was accepted"
	grep -q 'leaf: red-zone' err || fail "the checker did not name leaf"
	# the same source through ukl-gcc is fine
	"$UKL_GCC" -O2 -o ok.ukl main.c leaf.c
}

test_relinking_an_application_does_not_rebuild_the_kernel() {
	local kb before after
	kb=$("$UKL_ROOT/scripts/build-kernel.sh" --quiet)
	before=$(stat -c %Y "$kb/vmlinux" "$kb/.ukl-built")
	printf 'int main(void) { return %d; }\n' 11 >v.c
	"$UKL_GCC" -o v.ukl v.c
	printf 'int main(void) { return %d; }\n' 12 >v.c
	"$UKL_GCC" -o v.ukl v.c
	after=$(stat -c %Y "$kb/vmlinux" "$kb/.ukl-built")
	[ "$before" = "$after" ] || fail "the kernel was rebuilt"
	run_guest out --timeout 120 v.ukl
	expect_status 12
}

test_userspace_flag_builds_the_baseline() {
	printf '#include <stdio.h>\nint main(void) { puts("baseline"); return 6; }\n' >b.c
	"$UKL_GCC" --userspace -O2 -o b b.c
	readelf -l b | grep -q INTERP && fail "the baseline is not static"
	run_guest out --timeout 120 --userspace b
	expect_status 6
	expect_line out "baseline"
}

test_bzimage_flag_builds_a_compressed_bootable_image() {
	printf '#include <stdio.h>\nint main(int c, char **v) { printf("bz %%s\\n", v[1]); return 5; }\n' >z.c
	"$UKL_GCC" --bzimage -O2 -o z.bz z.c
	[ "$(dd if=z.bz bs=1 skip=514 count=4 2>/dev/null | tr -d '\0')" = HdrS ] || fail "not a bzImage"
	"$UKL_GCC" -O2 -o z.ukl z.c
	[ "$(stat -c %s z.bz)" -lt "$(stat -c %s z.ukl)" ] || fail "the bzImage is not smaller than the ELF"
	run_guest out --timeout 120 z.bz -- hello
	expect_status 5
	expect_line out "bz hello"
}
