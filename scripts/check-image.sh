#!/bin/bash
# Check the application side of a UKL image (the code between
# __ukl_text_start and __ukl_text_end):
#   - no syscall, sysenter or int $0x80: in ring 0 they do not enter the
#     kernel; UKL's glibc calls __ukl_syscall instead.
#   - __ukl_syscall only ever reached by a direct "call" (e8 rel32): a
#     system call restarted after a signal resumes 5 bytes before its
#     return address (kernel patch 7), which only that form makes right.
#     A specialized image's calls go to __ukl_specialized_syscall instead
#     (runtime/specialize/refuse.c), under the same rule, and it alone
#     jumps on to __ukl_syscall: the return address stays its caller's.
# Red-zone code is fine: every interrupt and exception of the application
# enters on a stack of its own, so nothing is pushed below its %rsp
# (docs/ukl.md, "The red zone").
# Prints each offending function and exits 1; exits 0 when clean.
#
#   check-image.sh IMAGE
set -eu
[ $# -eq 1 ] || { echo "usage: check-image.sh IMAGE" >&2; exit 2; }
image=$1

range=$(nm "$image" | awk '$3 == "__ukl_text_start" { s = $1 } $3 == "__ukl_text_end" { e = $1 }
	END { if (s && e) print s, e }')
if [ -z "$range" ]; then
	echo "check-image: $image has no application text (__ukl_text_start/end)" >&2
	exit 1
fi
set -- $range

objdump -d --no-show-raw-insn --start-address="0x$1" --stop-address="0x$2" "$image" |
awk '
	/^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn); next }
	/\t(syscall|sysenter)[ \t]*$/ || /\tint +\$0x80/ {
		bad[fn] = bad[fn] " syscall-instruction"; n++; next }
	/<__ukl_syscall>/ && !/\tcall +[0-9a-f]+ <__ukl_syscall>$/ &&
	    !(fn == "__ukl_specialized_syscall" && /\tjmp +[0-9a-f]+ <__ukl_syscall>$/) {
		bad[fn] = bad[fn] " not-a-call-of-__ukl_syscall"; n++; next }
	/<__ukl_specialized_syscall>/ && !/\tcall +[0-9a-f]+ <__ukl_specialized_syscall>$/ {
		bad[fn] = bad[fn] " not-a-call-of-__ukl_specialized_syscall"; n++; next }
	END {
		for (f in bad) printf "check-image: %s:%s\n", f, bad[f]
		exit n > 0
	}' >&2 || {
	echo "check-image: the functions above execute system call instructions, which do not enter the kernel in ring 0, or reach __ukl_syscall other than by a direct call, which a restarted system call needs; call the C library's wrappers instead (syscall() works; see docs/ukl-gcc.md)" >&2
	exit 1
}
