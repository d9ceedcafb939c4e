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

# A system call restarted after a signal resumes 5 bytes before its return
# address, the start of a direct call; a jump to __ukl_syscall (or a call
# through a pointer to it) would resume in the wrong place.
test_checker_rejects_a_jump_to_the_system_call_entry() {
	cat >jump.c <<'C'
long ukl_tail_call(long nr);
__asm__(".text\nukl_tail_call: movq %rdi, %rax\n jmp __ukl_syscall\n");
int main(void)
{
	return ukl_tail_call(39) > 0 ? 0 : 1;
}
C
	status=0
	"$UKL_GCC" -o jump.ukl jump.c 2>err || status=$?
	cat err
	[ "$status" -ne 0 ] || fail "an image with a jump to __ukl_syscall was accepted"
	grep -q 'ukl_tail_call: not-a-call-of-__ukl_syscall' err ||
		fail "the checker did not name ukl_tail_call"
}

test_objects_from_a_normal_compiler_with_red_zone_code_link_and_run() {
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
int main(int argc, char **argv) { (void)argv; return leaf(argc + 35); }	/* 37 + (37 & 7) */
C
	gcc -O2 -c leaf.c -o leaf.o	# a normal compiler: red zone allowed
	objdump -d leaf.o | grep -qE -- '-0x[0-9a-f]+\(%rsp[,)]' ||
		fail "the test object does not use the red zone; the test proves nothing"
	# ring 0 is safe for the red zone (docs/ukl.md): no refusal, no warning
	"$UKL_GCC" -o rz.ukl main.c leaf.o 2>err || { cat err; fail "red-zone code was refused"; }
	cat err
	grep -q 'red-zone' err && fail "the checker still complains about the red zone"
	run_guest out --timeout 120 rz.ukl -- x
	expect_status 42
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

# has_bytes FILE HEX : FILE contains the bytes HEX (a compressor's magic)
has_bytes() {
	od -An -v -tx1 "$1" | tr -d ' \n' | grep -q "$2"
}

# The bzImage's compression: xz by default, LZ4 on request from the same
# kernel build (its decompressor built again), anything else refused.
test_bzimage_compression_is_xz_or_lz4_on_request() {
	printf '#include <stdio.h>\nint main(int c, char **v) { printf("bz %%s\\n", v[1]); return 4; }\n' >z.c
	"$UKL_GCC" --bzimage -O2 -o xz.bz z.c
	"$UKL_GCC" --bzimage=lz4 -O2 -o lz4.bz z.c
	has_bytes xz.bz fd377a585a00 || fail "the default bzImage holds no xz stream"
	has_bytes lz4.bz 02214c18 || fail "the --bzimage=lz4 image holds no LZ4 stream"
	[ "$(stat -c %s xz.bz)" -lt "$(stat -c %s lz4.bz)" ] || fail "xz is not smaller than LZ4"
	run_guest out --timeout 120 xz.bz -- xz
	expect_status 4
	expect_line out "bz xz"
	run_guest out --timeout 120 lz4.bz -- lz4
	expect_status 4
	expect_line out "bz lz4"
	if "$UKL_GCC" --bzimage=zstd -O2 -o zstd.bz z.c 2>err; then
		fail "--bzimage=zstd was accepted"
	fi
	[ "$(wc -l <err)" -eq 1 ] && grep -q "use xz or lz4" err || fail "no one-line error for zstd: $(cat err)"
	[ ! -e zstd.bz ] || fail "a refused --bzimage left zstd.bz behind"
}

# Issue 9: what gcc -static accepts, ukl-gcc accepts; build systems'
# probes get gcc's answers; configure-style test programs run on the host.

# same_as_gcc ARGS... : ukl-gcc ARGS prints on stdout and stderr and
# exits exactly as gcc ARGS does.
same_as_gcc() {
	local want=0 got=0
	gcc "$@" >gcc.out 2>&1 </dev/null || want=$?
	"$UKL_GCC" "$@" >ukl.out 2>&1 </dev/null || got=$?
	[ "$want" = "$got" ] || fail "ukl-gcc $*: status $got, gcc's is $want"
	cmp -s gcc.out ukl.out || { diff gcc.out ukl.out | head -20; fail "ukl-gcc $* prints something else than gcc"; }
}

test_ukl_gcc_answers_build_system_probes_like_gcc() {
	local opt
	for opt in -V -qversion -version --version -v -dumpmachine -dumpversion \
		-dumpfullversion -dumpspecs -print-search-dirs -print-libgcc-file-name \
		-print-file-name=libc.a -print-prog-name=ld -print-multi-os-directory \
		-print-sysroot; do
		same_as_gcc "$opt"
	done
	# the preprocessor's macros: gcc's, with UKL's compile flags
	"$UKL_GCC" -E -dM -x c - </dev/null >ukl.macros
	gcc -fPIE -D__UKL__=1 -E -dM -x c - </dev/null >gcc.macros
	cmp -s gcc.macros ukl.macros || fail "-E -dM differs from gcc's"
	grep -qx '#define __UKL__ 1' ukl.macros || fail "-E -dM does not define __UKL__"
	grep -qx '#define __x86_64__ 1' ukl.macros || fail "-E -dM lacks gcc's own macros"
	# -### shows gcc's commands and builds nothing
	printf 'int main(void) { return 0; }\n' >p.c
	"$UKL_GCC" -### -o p p.c 2>hash.out
	grep -q collect2 hash.out || fail "-### did not show the link"
	[ ! -e p ] || fail "-### built something"
	# -Wl,--version asks ld, which prints and links nothing
	"$UKL_GCC" -Wl,--version >ld.out 2>&1 || fail "-Wl,--version failed"
	grep -q '^GNU ld' ld.out || fail "-Wl,--version did not print ld's version"
}

test_ukl_gcc_accepts_what_gcc_static_accepts() {
	cat >pic.c <<'C'
/* Compiled with -fPIC: its globals are reached through the GOT and its
 * thread-local variable through __tls_get_addr (general dynamic). */
int pic_counter = 40;
__thread int pic_tls = 2;
int pic_value(void) { return pic_counter + pic_tls; }
C
	cat >main.c <<'C'
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <zlib.h>
int pic_value(void);
int main(void)
{
	struct timespec ts;

	printf("pic %d\n", pic_value());
	printf("zlib %s\n", zlibVersion());
	printf("rt %d dl %s thread %d\n", clock_gettime(CLOCK_MONOTONIC, &ts),
	       dlerror() ? "error" : "clear", pthread_self() != 0);
	return 0;
}
C
	"$UKL_GCC" -fPIC -O2 -c pic.c -o pic.o
	objdump -r pic.o | grep -q 'R_X86_64_TLSGD.*pic_tls' ||
		fail "pic.o does not use the general-dynamic TLS model; the test proves nothing"
	# -lz as pkg-config gives it, found in the system's directory
	local zlib_libs
	zlib_libs=$(pkg-config --static --libs zlib) ||
		fail "pkg-config or zlib1g-dev is missing (bin/ukl setup installs them)"
	# shellcheck disable=SC2086 # pkg-config prints a list of flags
	"$UKL_GCC" -O2 -static -static-libgcc -rdynamic -Wl,-E -Wl,--export-dynamic,-O1 \
		-ffunction-sections -Wl,--gc-sections -Xlinker --gc-sections \
		-o app.ukl main.c pic.o $zlib_libs -ldl -lrt -lpthread \
		2>err || { cat err; fail "ukl-gcc refused options gcc -static accepts"; }
	cat err
	# one note for the three spellings of export-dynamic, one for gc-sections
	[ "$(grep -c 'note: .* has no effect' err)" -eq 2 ] || fail "expected exactly two notes"
	grep -q 'note: -rdynamic has no effect' err || fail "the note does not name -rdynamic"
	grep -q 'note: -Wl,--gc-sections has no effect' err || fail "no note about --gc-sections"
	nm app.ukl | grep -q ' ukl_app_entry$' || fail "not a UKL image"
	# -fPIC's thread-local access became local-exec: no call is left
	if objdump -d app.ukl | grep -q 'call.*__tls_get_addr'; then
		fail "a call to __tls_get_addr is left in the image"
	fi
	run_guest out --timeout 120 app.ukl
	expect_status 0
	expect_line out "pic 42"
	expect_line out "zlib $(pkg-config --modversion zlib)"
	expect_line out "rt 0 dl clear thread 1"
}

test_ukl_gcc_refuses_shared_and_says_why() {
	printf 'int f(void) { return 1; }\n' >f.c
	"$UKL_GCC" -fPIC -shared -c f.c -o f.o || fail "-shared with -c is harmless for gcc, and must be for ukl-gcc"
	status=0
	"$UKL_GCC" -shared -o libf.so f.o 2>err || status=$?
	cat err
	[ "$status" -ne 0 ] || fail "-shared was accepted"
	grep -q 'static library' err || fail "the message does not say what to do"
	[ ! -e libf.so ] || fail "an output was written"
}

# A configure script in autoconf's manner, without --host: it links
# a.out and conftest with $CC, runs ./conftest, and uses what it printed.
write_configure() {
	cat >configure <<'SH'
#!/bin/sh
set -e
cat >conftest.c <<'C'
int main(void) { return 0; }
C
rm -f a.out conftest
echo "checking whether the C compiler works..."
$CC conftest.c
test -f a.out
echo "checking whether we are cross compiling..."
$CC -o conftest conftest.c
if ! ./conftest; then
	echo "configure: error: cannot run C compiled programs; use --host" >&2
	exit 1
fi
echo "checking the size of long..."
cat >conftest.c <<'C'
#include <stdio.h>
int main(void)
{
	FILE *f = fopen("conftest.val", "w");
	fprintf(f, "%zu\n", sizeof(long));
	return fclose(f) != 0;
}
C
$CC -O2 -o conftest conftest.c
./conftest
echo "SIZEOF_LONG=$(cat conftest.val)" >config.h
echo "checking for not_in_any_libc..."
cat >conftest.c <<'C'
char not_in_any_libc(void);
int main(void) { return not_in_any_libc(); }
C
rm -f conftest
if $CC -o conftest conftest.c 2>conftest.err; then
	echo "HAVE_NOT_IN_ANY_LIBC=1" >>config.h
fi
test ! -f conftest
cat conftest.err
rm -f conftest*
SH
	chmod +x configure
}

test_configure_runs_its_test_programs_without_host() {
	write_configure
	CC=$UKL_GCC ./configure >configure.log 2>&1 || { cat configure.log; fail "configure failed"; }
	cat configure.log config.h
	grep -qx 'SIZEOF_LONG=8' config.h || fail "AC_RUN_IFELSE-style test gave no answer"
	grep -q HAVE_NOT_IN_ANY_LIBC config.h && fail "a missing function was found"
	# the UKL check answered, not the host's ld
	grep -q "undefined reference to \`not_in_any_libc': neither the program nor UKL's libc" configure.log ||
		fail "the link test was not checked against UKL's libc"
}

test_ukl_probe_variable_forces_and_forbids_probe_mode() {
	printf '#include <stdio.h>\nint main(void) { puts("probe"); return 4; }\n' >p.c
	UKL_PROBE=1 "$UKL_GCC" -o app p.c
	nm app | grep -q ukl_app_entry && fail "UKL_PROBE=1 built a UKL image"
	status=0
	./app >out || status=$?
	expect_status 4
	expect_line out probe
	UKL_PROBE=0 "$UKL_GCC" -o conftest p.c
	nm conftest | grep -q ' ukl_app_entry$' || fail "UKL_PROBE=0 did not build a UKL image"
	status=0
	UKL_PROBE=yes "$UKL_GCC" -o app p.c 2>err || status=$?
	[ "$status" -ne 0 ] || fail "a bad UKL_PROBE was accepted"
	grep -q 'UKL_PROBE must be 1' err || fail "the message does not say what UKL_PROBE takes"
	# a link test that throws its output away: /dev/null stays a device
	"$UKL_GCC" -o /dev/null p.c
	[ -c /dev/null ] || fail "/dev/null is no longer a device"
	# a source from standard input, read by both links of a probe
	printf '#include <stdio.h>\nint main(void) { puts("stdin"); return 0; }\n' |
		"$UKL_GCC" -x c - -o conftest
	./conftest >out
	expect_line out stdin
}

test_nginx_style_autotest_runs_on_the_host() {
	mkdir objs
	cat >objs/autotest.c <<'C'
#include <stdio.h>
#include <sys/types.h>
int main(void) { printf("%d\n", (int)sizeof(off_t)); return 0; }
C
	"$UKL_GCC" -o objs/autotest objs/autotest.c
	[ "$(objs/autotest)" = 8 ] || fail "objs/autotest did not run on the host"
}

test_cmake_try_run_and_a_cmake_program() {
	need_command cmake cmake
	mkdir proj
	cat >proj/CMakeLists.txt <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(probe C)
try_run(run_status compiled ${CMAKE_BINARY_DIR}/try ${CMAKE_SOURCE_DIR}/probe.c
	RUN_OUTPUT_VARIABLE run_output)
if(NOT compiled OR NOT run_status EQUAL 0)
	message(FATAL_ERROR "try_run failed: compiled=${compiled} status=${run_status}")
endif()
string(STRIP "${run_output}" run_output)
add_executable(app main.c)
target_compile_definitions(app PRIVATE "PROBED=\"${run_output}\"")
CMAKE
	printf '#include <stdio.h>\nint main(void) { printf("int is %%zu bytes\\n", sizeof(int)); return 0; }\n' >proj/probe.c
	printf '#include <stdio.h>\nint main(void) { printf("cmake: %%s\\n", PROBED); return 0; }\n' >proj/main.c
	CC=$UKL_GCC cmake -S proj -B build >cmake.log 2>&1 || { cat cmake.log; fail "cmake failed"; }
	cmake --build build >build.log 2>&1 || { cat build.log; fail "the build failed"; }
	nm build/app | grep -q ' ukl_app_entry$' || fail "build/app is not a UKL image"
	run_guest out --timeout 120 build/app
	expect_status 0
	expect_line out "cmake: int is 4 bytes"
}

test_meson_checks_run_and_a_meson_program() {
	need_command meson meson
	need_command ninja meson
	mkdir src
	cat >src/meson.build <<'MESON'
project('probe', 'c')
cc = meson.get_compiler('c')
r = cc.run('#include <stdio.h>\nint main(void) { printf("%zu", sizeof(long)); return 0; }',
  name: 'sizeof long')
if not r.compiled() or r.returncode() != 0
  error('cc.run failed')
endif
assert(cc.has_function('clock_gettime'), 'clock_gettime not found')
assert(not cc.has_function('not_in_any_libc'), 'a missing function was found')
executable('app', 'main.c', c_args: ['-DLONG_SIZE="' + r.stdout() + '"'])
MESON
	printf '#include <stdio.h>\nint main(void) { printf("meson: long is %%s\\n", LONG_SIZE); return 0; }\n' >src/main.c
	CC=$UKL_GCC meson setup build src >setup.log 2>&1 || { cat setup.log; fail "meson setup failed"; }
	ninja -C build >build.log 2>&1 || { cat build.log; fail "the build failed"; }
	nm build/app | grep -q ' ukl_app_entry$' || fail "build/app is not a UKL image"
	run_guest out --timeout 120 build/app
	expect_status 0
	expect_line out "meson: long is 8"
}
