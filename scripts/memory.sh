# The guest memory ukl run gives when no -m is given: enough for the
# image and a program's usual needs, no more, since every page of guest
# memory costs boot time (the kernel initialises a struct page for each:
# 512 MiB took 9% more boot instructions than 128 MiB). Sourced by
# scripts/run.sh.

# What a program gets beyond the kernel image and its files: heap,
# stacks, page cache, the kernel's own allocations.
UKL_MEM_HEADROOM_MIB=96
UKL_MEM_MIN_MIB=128

# ukl_load_end FILE : the physical address (bytes) where the kernel in
# FILE ends once loaded: for an ELF, the end of its highest LOAD segment;
# for a bzImage, its preferred load address plus the memory its setup
# header says it needs (init_size). Nothing for anything else.
ukl_load_end() {
	local f=$1 pref init
	if ukl_is_bzimage "$f"; then
		pref=$(od -An -j $((0x258)) -N 8 -t u8 "$f")
		init=$(od -An -j $((0x260)) -N 4 -t u4 "$f")
		echo $((${pref// /} + ${init// /}))
		return
	fi
	local type phys memsz end max=0
	while read -r type _ _ phys _ memsz _; do
		[ "$type" = LOAD ] || continue
		end=$((phys + memsz))
		[ "$end" -le "$max" ] || max=$end
	done < <(LC_ALL=C readelf -lW "$f" 2>/dev/null)
	[ "$max" -eq 0 ] || echo "$max"
}

# ukl_default_memory END EXTRA : a memory size for QEMU's -m ("NM") that
# holds a kernel ending at END and EXTRA more bytes (an initramfs, which
# is unpacked into the page cache), plus the headroom, in steps of 64 MiB.
ukl_default_memory() {
	local mib=$(( ($1 + $2 + 1048575) / 1048576 + UKL_MEM_HEADROOM_MIB ))
	mib=$(( (mib + 63) / 64 * 64 ))
	[ "$mib" -ge "$UKL_MEM_MIN_MIB" ] || mib=$UKL_MEM_MIN_MIB
	echo "${mib}M"
}
