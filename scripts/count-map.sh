#!/bin/bash
# Write the address map that the counting plugin (bench/plugin/ukl-count.c)
# classifies instructions by, from the symbol table of the kernel that
# boots: the UKL image itself, or with --userspace the kernel under the
# normal program.
#
#   count-map.sh ELF ukl|process [SYMBOL...]
#
# Classes (docs/measuring.md):
#   app     ukl: the application's code, .ukl.text (__ukl_text_start to
#           __ukl_text_end) less __ukl_syscall, which is the kernel's entry
#           (it stands for the SYSCALL instruction); process: the whole
#           user half
#   idle    the kernel's .cpuidle.text (__cpuidle_text_start to
#           __cpuidle_text_end): the instructions around HLT
#   kernel  the rest of the kernel half (the plugin's default)
# Entries, counted each time they execute:
#   irqs      interrupts delivered: each stub of irq_entries_start and
#             spurious_entries_start, and every asm_sysvec_* (the APIC's
#             own vectors: timer, IPIs, ...)
#   syscalls  entry_SYSCALL_64 and __ukl_syscall
#   faults    asm_exc_page_fault
# Each SYMBOL given adds a count line every time it executes ("snap").
set -eu
. "$(dirname "$0")/lib.sh"

elf=${1:?usage: count-map.sh ELF ukl|process [SYMBOL...]}
mode=${2:?usage: count-map.sh ELF ukl|process [SYMBOL...]}
shift 2

# Only the symbols used here (and the SYMBOLs asked for), name -> address
# and name -> size, from one pass over the symbol table.
declare -A addr len
wanted=" $* "
nm_out=$(LC_ALL=C nm -S "$elf" 2>/dev/null) || true
[ -n "$nm_out" ] || ukl_die "count: $elf has no symbol table (counting needs an ELF kernel image, not a bzImage or a stripped one)"
while read -r a size name; do
	[ -z "${addr[$name]:-}" ] || continue	# the first of a name
	addr[$name]=$a
	[ "$size" = - ] || len[$name]=$size
done < <(awk -v wanted="$wanted" '
	BEGIN { split("__ukl_text_start __ukl_text_end __ukl_syscall __cpuidle_text_start " \
		"__cpuidle_text_end irq_entries_start spurious_entries_start " \
		"entry_SYSCALL_64 asm_exc_page_fault " wanted, w, " ")
		for (i in w) want[w[i]] = 1 }
	($NF in want) || $NF ~ /^asm_sysvec_/ { print $1, (NF == 4 ? $2 : "-"), $NF }' <<<"$nm_out")

sym() { echo "${addr[$1]:-}"; }
size() { echo "${len[$1]:-}"; }
need() {
	[ -n "${addr[$1]:-}" ] || ukl_die "count: no symbol $1 in $elf"
	echo "${addr[$1]}"
}
hex() { printf '%x' "$1"; }

if [ "$mode" = ukl ]; then
	ukl_start=$(need __ukl_text_start)
	ukl_end=$(need __ukl_text_end)
	entry=$(need __ukl_syscall)
	entry_size=$(size __ukl_syscall)
	# first match wins: the entry stub before the application around it
	echo "range kernel $entry $(hex $((0x$entry + 0x${entry_size:-1})))"
	echo "range app $ukl_start $ukl_end"
else
	echo "range app 0 800000000000"
fi
# (need in an assignment: its failure stops the script, inside echo it would not)
idle_start=$(need __cpuidle_text_start)
idle_end=$(need __cpuidle_text_end)
echo "range idle $idle_start $idle_end"

# The external interrupt stubs: one "push $vector; jmp" each, a fixed
# distance apart (8 bytes, 16 with IBT's endbr64): the distance between
# the first two pushes.
for stubs in irq_entries_start spurious_entries_start; do
	start=$(need "$stubs")
	bytes=$(size "$stubs")
	[ -n "$bytes" ] || ukl_die "count: no size for $stubs in $elf"
	mapfile -t pushes < <(LC_ALL=C objdump -d --start-address=0x"$start" \
		--stop-address=$((0x$start + 48)) "$elf" |
		awk '/\tpush +\$/ { sub(/:$/, "", $1); print $1 }')
	[ ${#pushes[@]} -ge 2 ] || ukl_die "count: cannot tell the stride of $stubs in $elf"
	step=$((0x${pushes[1]} - 0x${pushes[0]}))
	echo "entry irqs $start $(hex $((0x$start + 0x$bytes))) $(hex "$step")"
done
for name in "${!addr[@]}"; do
	case "$name" in asm_sysvec_*) a=${addr[$name]}
		echo "entry irqs $a $(hex $((0x$a + 1))) 1" ;;
	esac
done | sort
for s in entry_SYSCALL_64 __ukl_syscall; do
	a=$(sym $s)
	[ -z "$a" ] || echo "entry syscalls $a $(hex $((0x$a + 1))) 1"
done
a=$(need asm_exc_page_fault)
echo "entry faults $a $(hex $((0x$a + 1))) 1"

for s in "$@"; do
	a=$(need "$s")
	echo "snap $s $a"
done
