# Issue 12: guest memory. A hello image boots and runs in 16 MiB, in both
# modes and on both machines: the kernel log is 16 KiB, the kernel is
# loaded at 2 MiB and its image has no 2 MiB alignment gaps (kernel patch
# 22; with them it needed 22 MiB, and 32 MiB before the 2 MiB load
# address). Without -m, ukl run gives what the image
# needs plus headroom, not a fixed 512 MiB (scripts/memory.sh).

# total_kib FILE : the memory the kernel found, from its boot line
# "Memory: USEDK/TOTALK available ...".
total_kib() {
	sed -n 's/^Memory: [0-9]*K\/\([0-9]*\)K available.*/\1/p' "$1" | head -n 1
}

# On microvm (the default) and on pc alike: with the default 128 KiB
# kernel log a microvm guest needed 17 MiB.
test_hello_runs_in_16_mib() {
	local machine
	for machine in microvm pc; do
		check_both hello 3 "argv[1]=one" --timeout 120 --machine $machine -m 16M \
			-e GREETING=small -- one
		expect_line ukl.out "GREETING=small"
		expect_line user.out "GREETING=small"
		expect_no_oops ukl.out
		expect_no_oops user.out
	done
}

test_default_memory_fits_the_image_and_m_overrides_it() {
	local image total
	image=$(guest_ukl hello)
	run_guest out --timeout 120 --verbose "$image"
	expect_status 3
	total=$(total_kib out)
	echo "default: ${total}K"
	# 128 MiB: a hello image's kernel ends below 16 MiB, plus 96 MiB of
	# headroom, rounded up to 64 MiB steps.
	[ -n "$total" ] && [ "$total" -gt 120000 ] && [ "$total" -le 131072 ] ||
		fail "the default gave ${total}K, not about 128 MiB"
	run_guest out --timeout 120 --verbose -m 256M "$image"
	expect_status 3
	total=$(total_kib out)
	echo "-m 256M: ${total}K"
	[ -n "$total" ] && [ "$total" -gt 250000 ] && [ "$total" -le 262144 ] ||
		fail "-m 256M gave ${total}K"
	# The normal process gets the same default.
	run_guest out --timeout 120 --verbose --userspace "$(guest_userspace hello)"
	expect_status 3
	total=$(total_kib out)
	[ -n "$total" ] && [ "$total" -gt 120000 ] && [ "$total" -le 131072 ] ||
		fail "the normal process got ${total}K by default"
}

# The image holds no 2 MiB alignment gaps: between one loadable segment
# and the next, neither the file nor guest memory has more than a page
# of rounding (kernel patch 22 for memory, the page-aligned final link in
# scripts/link-image.sh for the file). Its bzImage still boots.
test_image_has_no_2_mib_padding() {
	local image type off phys filesz memsz gaps=0 n=0 off_end=0 phys_end=0
	image=$(guest_ukl hello)
	while read -r type off _ phys filesz memsz _; do
		[ "$type" = LOAD ] || continue
		n=$((n + 1))
		if [ $n -gt 1 ] && [ $((off - off_end)) -gt 4096 ]; then
			echo "file gap of $((off - off_end)) bytes before offset $off"
			gaps=$((gaps + 1))
		fi
		if [ $n -gt 1 ] && [ $((phys - phys_end)) -gt 4096 ]; then
			echo "memory gap of $((phys - phys_end)) bytes before $phys"
			gaps=$((gaps + 1))
		fi
		off_end=$((off + filesz))
		phys_end=$((phys + memsz))
	done < <(LC_ALL=C readelf -lW "$image")
	[ $n -ge 2 ] || fail "readelf found $n loadable segments in $image"
	[ $gaps -eq 0 ] || fail "$gaps alignment gaps in $image"
	echo "image: $(stat -c %s "$image") bytes, loaded up to $phys_end"
	"$UKL_ROOT/bin/ukl-gcc" -O2 --bzimage -o hello.bz "$UKL_ROOT/tests/guest/hello.c" ||
		fail "ukl-gcc --bzimage failed"
	run_guest out --timeout 120 hello.bz -- packed
	expect_status 3
	expect_line out "argv[1]=packed"
}

# initramfs_of IMAGE OUT : copy the image's built-in initramfs (from
# __irf_start to __irf_end, in the .init.data section) to OUT.
initramfs_of() {
	local image=$1 out=$2 start end sect_addr sect_off
	start=$(nm "$image" | awk '$3 == "__irf_start" { print $1 }')
	end=$(nm "$image" | awk '$3 == "__irf_end" { print $1 }')
	read -r sect_addr sect_off < <(readelf -SW "$image" |
		sed -n 's/.*\] \.init\.data *[A-Z]* *\([0-9a-f]*\) \([0-9a-f]*\) .*/\1 \2/p')
	[ -n "$start" ] && [ -n "$end" ] && [ -n "$sect_addr" ] ||
		fail "no initramfs symbols or .init.data section in $image"
	python3 - "$image" "$out" $((0x$sect_off + 0x$start - 0x$sect_addr)) $((0x$end - 0x$start)) <<'PY'
import sys
src, dst, off, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(src, "rb") as f:
    f.seek(off)
    data = f.read(size)
open(dst, "wb").write(data)
PY
}

# The image's initramfs is unpacked at every boot and its memory then
# freed and poisoned (a byte at a time under TCG), and a bzImage carries
# it: ukl-init, built against musl, keeps it small (with glibc, /init
# alone was 780 KB).
test_image_initramfs_is_small() {
	local image size
	image=$(guest_ukl hello)
	initramfs_of "$image" initramfs.cpio
	cpio -it -v <initramfs.cpio >listing 2>/dev/null || fail "the image's initramfs is not a cpio archive"
	cat listing
	grep -q ' init$' listing || fail "no /init in the image's initramfs"
	size=$(awk '$NF == "init" { print $5 }' listing)
	echo "/init: $size bytes; initramfs: $(stat -c %s initramfs.cpio) bytes"
	[ "$size" -lt 131072 ] || fail "/init is $size bytes (want under 128 KiB)"
	[ "$(stat -c %s initramfs.cpio)" -lt 262144 ] || fail "the initramfs is over 256 KiB"
}
