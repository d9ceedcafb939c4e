# Building the small host-compiled pieces every guest needs (ukl-init, the
# KVM probe program, the runtime of UKL programs) into the cache, keyed by
# their sources, and the initramfs of a normal program. Sourced after
# lib.sh. Like the upstream builds, these compile in a clean environment:
# what lands in the cache must not depend on the caller's CPATH,
# LIBRARY_PATH or GCC_EXEC_PREFIX.
. "$UKL_ROOT/scripts/upstream.sh"

# ukl_runtime_tool NAME SOURCES... : print the path of a static binary built
# from SOURCES (relative to runtime/) with gcc and glibc, building it first
# if needed.
ukl_runtime_tool() {
	ukl_runtime_tool_with gcc "$@"
}

# ukl_runtime_tool_with CC NAME SOURCES... : the same, built with CC (gcc,
# or musl-gcc for musl's C library). The key covers the sources, the
# compiler's name and the version of its C library's package.
ukl_runtime_tool_with() {
	local cc=$1 name=$2 key out srcs="" s libc_pkg cc_pkg
	shift 2
	case "$cc" in
	musl-gcc) libc_pkg=musl-dev cc_pkg=musl-tools ;;
	*) libc_pkg=libc6-dev cc_pkg=gcc ;;
	esac
	command -v "$cc" >/dev/null ||
		ukl_die "$cc is not installed (package $cc_pkg); run: bin/ukl setup"
	for s in "$@"; do
		srcs="$srcs $UKL_ROOT/runtime/$s"
	done
	# shellcheck disable=SC2086 # list of files
	key=$( {
		echo "$cc $(ukl_pkg_version "$libc_pkg")"
		ukl_hash_input $srcs "$UKL_ROOT"/runtime/init/*.h
	} | sha256sum | cut -c1-16)
	out=$UKL_CACHE/runtime/$name-$key
	if [ ! -x "$out" ]; then
		mkdir -p "$UKL_CACHE/runtime"
		# shellcheck disable=SC2086 # list of files
		ukl_clean_env "$cc" -static -O2 -Wall -Wextra -Werror -o "$out.tmp" $srcs ||
			ukl_die "cannot build $name"
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

# ukl-init, the first process of every guest, is built against musl: 74 KB
# instead of glibc's 780 KB. The kernel unpacks it from the image's
# initramfs at every boot and then frees and poisons that memory (under
# TCG a byte at a time, docs/results.md), and a bzImage carries it
# compressed. It is a normal process in both modes, so the UKL program and
# the baseline process start from the same init.
ukl_init_binary() {
	ukl_runtime_tool_with musl-gcc ukl-init init/main.c init/cmdline.c init/volumes.c
}

# ukl_etc_files : the host paths of the /etc every guest gets (users,
# groups, hosts, name services, resolver), one a line. Both ways of
# booting a program put them in /etc, so that a program finds the same
# files as a UKL image and as a normal process.
ukl_etc_files() {
	local f
	for f in "$UKL_ROOT"/runtime/etc/*; do
		echo "$f"
	done
}

# ukl_app_runtime : print the path of ukl-rt.o, the small runtime every UKL
# application is linked with (runtime/app/*.c, compiled for ring 0). It is
# an object, not an archive, so that its definitions win over libgcc's.
ukl_app_runtime() {
	local key out objs="" src obj
	key=$(ukl_hash "$UKL_ROOT"/runtime/app/*.c)
	out=$UKL_CACHE/runtime/ukl-rt-$key.o
	if [ ! -f "$out" ]; then
		mkdir -p "$UKL_CACHE/runtime/obj-$key"
		for src in "$UKL_ROOT"/runtime/app/*.c; do
			obj=$UKL_CACHE/runtime/obj-$key/$(basename "$src" .c).o
			ukl_clean_env gcc -O2 -Wall -Wextra -Werror -mno-red-zone -fPIE -c -o "$obj" "$src" ||
				ukl_die "cannot build the UKL runtime ($src)"
			objs="$objs $obj"
		done
		# shellcheck disable=SC2086 # a list of objects
		ukl_clean_env ld -r -o "$out.tmp" $objs
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

# ukl_specialize_runtime : print the path of the object that refuses the
# system calls a specialized program was not found to make
# (runtime/specialize/refuse.c). It joins the program after "ld -r", so
# its sections are renamed to the ones the program's have there
# (toolchain/app.lds); constants are not merged and there are no unwind
# tables, which keeps it to these four.
ukl_specialize_runtime() {
	local src=$UKL_ROOT/runtime/specialize/refuse.c key out
	key=$(ukl_hash "$src")
	out=$UKL_CACHE/runtime/ukl-refuse-$key.o
	if [ ! -f "$out" ]; then
		mkdir -p "$UKL_CACHE/runtime"
		ukl_clean_env gcc -O2 -Wall -Wextra -Werror -mno-red-zone -fPIE \
			-fno-merge-constants -fno-asynchronous-unwind-tables \
			-fno-stack-protector -c -o "$out.o" "$src" ||
			ukl_die "cannot build the UKL runtime ($src)"
		objcopy --rename-section .text=.ukl.text --rename-section .data=.ukl.data \
			--rename-section .bss=.ukl.bss --rename-section .rodata=.rodata.ukl \
			--remove-section .comment "$out.o" "$out.tmp"
		rm -f "$out.o"
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

# ukl_initrd OUT APP [HOST:GUEST...] : write to OUT a newc initramfs with
# ukl-init as /init, APP as /app, the default /etc and the extra files at
# their guest paths (replacing a default of the same name), for booting a
# normal program on a kernel (the baseline, the KVM probe).
ukl_initrd() {
	local out=$1 app=$2 root f
	shift 2
	root=$(mktemp -d "${TMPDIR:-/tmp}/ukl-initrd.XXXXXX")
	# mktemp's 0700 would become the mode of the guest's /
	chmod 0755 "$root"
	cp "$(ukl_init_binary)" "$root/init"
	cp "$app" "$root/app"
	mkdir -m 0755 "$root/etc"
	for f in $(ukl_etc_files); do
		install -m 0644 "$f" "$root/etc/"
	done
	for f in "$@"; do
		mkdir -p "$root$(dirname "${f#*:}")"
		cp "${f%%:*}" "$root${f#*:}"
	done
	# Owned by root in the guest, whoever builds it (as in a UKL image).
	(cd "$root" && find . | cpio -o -H newc --quiet -R 0:0) >"$out"
	rm -rf "$root"
}
