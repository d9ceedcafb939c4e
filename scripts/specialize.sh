#!/bin/bash
# Fit the UKL kernel to one program (ukl-gcc --specialize).
#
#   specialize.sh APP.o WORKDIR
#
# APP.o is the program as ukl-gcc gathered it. Finds the system calls it
# (and ukl-init, and any helper program added with --add-file) can make
# (scripts/specialize-scan.py), turns off the kernel options nothing needs
# (kernel/specialize.map, scripts/specialize-plan.py), builds that kernel
# or finds it in the cache (build-kernel.sh --fragment), and routes the
# program's calls through runtime/specialize/refuse.c, which answers a call
# outside the set with ENOSYS. Prints two lines: the kernel build
# directory, then the program object to link into it.
#
# From the environment (set by ukl-gcc): UKL_SPECIALIZE_KEEP, system calls
# to keep whatever the analysis says; UKL_SPECIALIZE_REPORT, a file for the
# report; UKL_ADD_FILES, the image's extra files.
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/runtime.sh"
. "$(dirname "$0")/kernel-config.sh"

[ $# -eq 2 ] || ukl_die "usage: specialize.sh APP.o WORKDIR"
app=$1
work=$2
mkdir -p "$work"
scan=$UKL_ROOT/scripts/specialize-scan.py
cache=$UKL_CACHE/specialize
mkdir -p "$cache"

# The x86-64 system call table of the Linux the kernel is built from (UKL's
# patches do not change it), read once out of the source tarball.
table=$cache/syscall_64-$(ukl_pkg_version linux-source-6.1).tbl
if [ ! -f "$table" ]; then
	[ -f "$ukl_linux_tarball" ] || ukl_die "$ukl_linux_tarball not found; run: bin/ukl setup"
	tar -xOf "$ukl_linux_tarball" linux-source-6.1/arch/x86/entry/syscalls/syscall_64.tbl \
		>"$table.tmp"
	mv "$table.tmp" "$table"
fi
families=socket,__socket,socketpair,__socketpair:edi

ukl_say "specialize: finding the program's system calls"
python3 "$scan" --table "$table" --entry __ukl_syscall --arg-of "$families" "$app" \
	>"$work/program.scan"

# ukl-init is the same for every image: its scan is cached beside it.
init=$(ukl_init_binary)
init_scan=$cache/$(basename "$init").scan
if [ ! -f "$init_scan" ]; then
	python3 "$scan" --table "$table" --arg-of "$families" "$init" >"$init_scan.tmp"
	mv "$init_scan.tmp" "$init_scan"
fi

# Helper programs in the image run as normal processes: what they call
# must stay in the kernel too.
helpers=()
for pair in ${UKL_ADD_FILES:-}; do
	host=${pair%%:*}
	[ "$(head -c 4 "$host" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
	if readelf -lW "$host" | grep -q INTERP; then
		ukl_die "specialize: $host is dynamically linked, so the calls it makes through its shared libc cannot be found; link it with -static"
	fi
	n=${#helpers[@]}
	python3 "$scan" --table "$table" --arg-of "$families" "$host" >"$work/helper$n.scan"
	helpers+=(--helper "${pair#*:}=$work/helper$n.scan")
done

python3 "$UKL_ROOT/scripts/specialize-plan.py" --table "$table" \
	--map "$UKL_ROOT/kernel/specialize.map" --base "$UKL_ROOT/kernel/ukl-vm.config" \
	--program "$work/program.scan" --init "$init_scan" ${helpers[@]+"${helpers[@]}"} \
	--keep "${UKL_SPECIALIZE_KEEP:-}" --out "$work"

if [ -n "${UKL_SPECIALIZE_REPORT:-}" ]; then
	cp "$work/report.txt" "$UKL_SPECIALIZE_REPORT.tmp" ||
		ukl_die "specialize: cannot write the report to $UKL_SPECIALIZE_REPORT"
	mv "$UKL_SPECIALIZE_REPORT.tmp" "$UKL_SPECIALIZE_REPORT"
fi
off=$(grep -c '=n$' "$work/fragment.config" || true)
ukl_say "specialize: $(sed -n 's/^The program can make \([0-9]*\) .*/\1/p' "$work/report.txt") system calls kept, $off kernel options off"
if grep -q '^unknown' "$work/program.scan"; then
	ukl_say "specialize: note: $(grep -c '^unknown' "$work/program.scan") call sites have a number computed at run time; outside the kept set they get ENOSYS (--specialize-report says where)"
fi

kb=$("$UKL_ROOT/scripts/build-kernel.sh" --quiet --fragment "$work/fragment.config") || exit 1

# The program's calls go through the refusal; refuse.c itself calls the
# kernel directly. The objects' sections get the names "ld -r" gave the
# program's (toolchain/app.lds), so that the kernel's linker script places
# them.
refuse=$(ukl_specialize_runtime)
# (the assembler's empty .text, .data and .bss of kept.o go)
gcc -c -o "$work/kept-as.o" "$work/kept.S"
objcopy -R .text -R .data -R .bss "$work/kept-as.o" "$work/kept.o"
objcopy --redefine-sym __ukl_syscall=__ukl_specialized_syscall "$app" "$work/app-routed.o"
# "ld -r" with the program's toolchain/app.lds left out .note.GNU-stack;
# the stack is not executable either way (the kernel maps it).
ld -r -z noexecstack --no-warn-execstack -o "$work/app-specialized.o" \
	"$work/app-routed.o" "$refuse" "$work/kept.o"
printf '%s\n%s\n' "$kb" "$work/app-specialized.o"
