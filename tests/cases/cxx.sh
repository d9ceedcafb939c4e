# Issue 9: C++ with bin/ukl-g++ (Debian's g++ and libstdc++, UKL's glibc).

UKL_GXX=$UKL_ROOT/bin/ukl-g++

# cxx_lines FILE : the "cxx: ..." lines a run of tests/guest/cxx.cpp printed.
cxx_lines() {
	grep '^cxx: ' "$1" || true
}

test_cxx_runs_the_same_in_ukl_and_as_a_process() {
	local src=$UKL_ROOT/tests/guest/cxx.cpp
	"$UKL_GXX" -O2 -Wall -Wextra -Werror -pthread -o cxx.ukl "$src"
	"$UKL_GXX" --userspace -O2 -Wall -pthread -o cxx "$src"
	nm cxx.ukl | grep -q ' ukl_app_entry$' || fail "not a UKL image"
	run_guest ukl.out --timeout 300 --smp 2 cxx.ukl
	expect_status 0
	expect_line ukl.out "cxx: all checks passed"
	expect_line ukl.out "cxx: main thread's thread_local destructor ran"
	expect_line ukl.out "cxx: static destructor ran"
	run_guest user.out --timeout 300 --smp 2 --userspace cxx
	expect_status 0
	cxx_lines ukl.out >ukl.lines
	cxx_lines user.out >user.lines
	diff user.lines ukl.lines || fail "UKL and the normal process printed different lines"
}

test_cxx_image_uses_local_exec_tls_and_registers_its_unwind_tables() {
	printf '#include <mutex>\nstatic std::once_flag f;\nint main() { int r = 1; std::call_once(f, [&] { r = 0; }); return r; }\n' >once.cpp
	"$UKL_GXX" -O2 -o once.ukl once.cpp
	# libstdc++.a is PIC: its TLS (std::call_once, the exception globals)
	# goes through __tls_get_addr, which the kernel link must rewrite.
	objdump -d once.ukl >once.dis
	if grep -q 'call.*__tls_get_addr' once.dis; then
		fail "a call to __tls_get_addr is left in the image"
	fi
	nm once.ukl | grep -q ' __ukl_eh_frame_start$' || fail "no __ukl_eh_frame_start"
	nm once.ukl | grep -q ' __register_frame_info_table$' || fail "the unwinder is not linked"
	run_guest out --timeout 120 once.ukl
	expect_status 0
}

test_cmake_cxx_project_with_ukl_gcc_and_ukl_gxx() {
	need_command cmake cmake
	mkdir proj
	cat >proj/CMakeLists.txt <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(shapes C CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
include(CheckCXXSourceRuns)
check_cxx_source_runs("#include <stdexcept>
int main() { try { throw std::logic_error(\"x\"); } catch (const std::exception &) { return 0; } return 1; }"
	EXCEPTIONS_RUN)
if(NOT EXCEPTIONS_RUN)
	message(FATAL_ERROR "check_cxx_source_runs failed")
endif()
add_library(area STATIC area.c)
add_executable(shapes main.cpp)
target_link_libraries(shapes area)
CMAKE
	cat >proj/area.c <<'C'
double square_area(double side) { return side * side; }
C
	cat >proj/main.cpp <<'CXX'
#include <iostream>
#include <memory>
#include <stdexcept>
#include <vector>
extern "C" double square_area(double side);
struct Shape { virtual ~Shape() = default; virtual double area() const = 0; };
struct Square : Shape {
	double s;
	explicit Square(double side) : s(side) { if (side < 0) throw std::invalid_argument("negative side"); }
	double area() const override { return square_area(s); }
};
int main()
{
	std::vector<std::unique_ptr<Shape>> shapes;
	for (double side : {1.0, 2.0, -1.0, 3.0}) {
		try {
			shapes.push_back(std::make_unique<Square>(side));
		} catch (const std::invalid_argument &e) {
			std::cout << "skipped: " << e.what() << "\n";
		}
	}
	double total = 0;
	for (const auto &s : shapes)
		total += s->area();
	std::cout << "shapes: " << shapes.size() << " total " << total << std::endl;
	return 0;
}
CXX
	CC=$UKL_ROOT/bin/ukl-gcc CXX=$UKL_GXX cmake -S proj -B build >cmake.log 2>&1 ||
		{ cat cmake.log; fail "cmake failed"; }
	cmake --build build >build.log 2>&1 || { cat build.log; fail "the build failed"; }
	nm build/shapes | grep -q ' ukl_app_entry$' || fail "build/shapes is not a UKL image"
	run_guest out --timeout 120 build/shapes
	expect_status 0
	expect_line out "skipped: negative side"
	expect_line out "shapes: 3 total 14"
}
