# Issue 4: unmodified programs from Debian source packages, built with
# CC=ukl-gcc through their own build systems, exercised inside UKL.

UKL_GCC=$UKL_ROOT/bin/ukl-gcc

# program_output FILE : what the program printed, without the exit report
# and the kernel's power-off line that follow it on the console.
program_output() {
	python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
end = data.rfind(b"ukl: exit status")
sys.stdout.buffer.write(data[:end] if end >= 0 else data)
PY
}

test_lua_interpreter_from_debian_source() {
	local src
	src=$("$UKL_ROOT/scripts/fetch-source.sh" lua5.4)
	cp -a "$src" lua
	make -C lua/src posix CC="$UKL_GCC" >build.log 2>&1 || { tail -20 build.log; fail "lua did not build"; }
	nm lua/src/lua | grep -q ' ukl_app_entry$' || fail "lua is not a UKL image"
	run_guest out --timeout 120 lua/src/lua -- -e '
		local t = {} for i = 1, 10 do t[i] = i * i end
		print(table.concat(t, ","))
		print(string.format("%.3f", math.pi))
		local co = coroutine.wrap(function() coroutine.yield("co1") coroutine.yield("co2") end)
		print(co(), co())
		print(("ukl"):rep(3))
		os.exit(9)'
	expect_status 9
	expect_line out "1,4,9,16,25,36,49,64,81,100"
	expect_line out "3.142"
	expect_line out "$(printf 'co1\tco2')"
	expect_line out "ukluklukl"
}

test_gzip_from_debian_source() {
	local src
	src=$("$UKL_ROOT/scripts/fetch-source.sh" gzip)
	cp -a "$src" gzip
	(cd gzip && ./configure --host=x86_64-linux-gnu CC="$UKL_GCC" >configure.log 2>&1) ||
		{ tail -20 gzip/configure.log; fail "configure failed"; }
	# some text to compress, and the same compressed by the host's gzip
	for i in $(seq 1 30); do cat "$UKL_ROOT"/docs/*.md; done >input
	gzip -9 -c input >input.gz
	rm -f gzip/gzip
	UKL_ADD_FILES="$PWD/input:/data/input $PWD/input.gz:/data/input.gz" \
		make -C gzip >build.log 2>&1 || { tail -20 build.log; fail "gzip did not build"; }
	nm gzip/gzip | grep -q ' ukl_app_entry$' || fail "gzip is not a UKL image"

	# compress inside UKL, decompress on the host
	run_guest out --timeout 120 gzip/gzip -- -9 -c /data/input >/dev/null
	expect_status 0
	program_output out >from-ukl.gz
	gzip -d -c from-ukl.gz >roundtrip || fail "the host cannot decompress UKL's output"
	cmp input roundtrip || fail "the round trip changed the data"

	# decompress inside UKL what the host compressed
	run_guest out2 --timeout 120 gzip/gzip -- -d -c /data/input.gz >/dev/null
	expect_status 0
	program_output out2 >decompressed
	cmp input decompressed || fail "UKL's gzip decompressed wrongly"
}
