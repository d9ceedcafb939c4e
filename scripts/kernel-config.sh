# shellcheck shell=bash
# Configuring a Linux tree as UKL's small VM kernel. Sourced after lib.sh
# and upstream.sh by scripts/build-kernel.sh and scripts/check-series.sh.

# The source every kernel tree is unpacked from.
ukl_linux_tarball=/usr/src/linux-source-6.1.tar.xz

# ukl_kernel_patches : the patch files kernel/patches/series names, in
# order, space-separated; fails if one is missing.
ukl_kernel_patches() {
	local dir=$UKL_ROOT/kernel/patches p patches=""
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		[ -f "$dir/$p" ] || ukl_die "patch $p named in kernel/patches/series is missing"
		patches="$patches $dir/$p"
	done <"$dir/series"
	[ -n "$patches" ] || ukl_die "kernel/patches/series names no patch"
	echo "$patches"
}

# ukl_kernel_unpack TOP SRC : unpack the Linux source into SRC, through a
# scratch directory in TOP so that SRC never exists half-written.
ukl_kernel_unpack() {
	mkdir -p "$1/unpack"
	ukl_clean_env tar -C "$1/unpack" -xf "$ukl_linux_tarball"
	mv "$1/unpack/linux-source-6.1" "$2"
	rmdir "$1/unpack"
}

# ukl_kernel_fragments CMD VARIANT : the config fragments of VARIANT (ukl
# or plain), space-separated; CMD names the caller in the error for any
# other variant.
ukl_kernel_fragments() {
	local fragments="$UKL_ROOT/kernel/ukl-vm.config"
	case "$2" in
	ukl | plain) ;;
	*) ukl_die "$1: unknown variant $2 (use ukl or plain)" ;;
	esac
	if [ "$2" = ukl ] && [ -f "$UKL_ROOT/kernel/ukl-on.config" ]; then
		fragments="$fragments $UKL_ROOT/kernel/ukl-on.config"
	fi
	echo "$fragments"
}

# ukl_kernel_configure SRC BUILD LOG FRAGMENT... : write BUILD/.config,
# tinyconfig plus the fragments, with the commands' output in LOG. A later
# fragment overrides an earlier one (ukl-gcc --specialize turns options of
# ukl-vm.config off). Fails if an option the fragments ask for did not
# survive olddefconfig: the kernel would silently lack a feature the tests
# rely on.
ukl_kernel_configure() {
	local src=$1 build=$2 log=$3 f line opt
	local -A want=()
	local order=()
	shift 3
	ukl_clean_env make -s -C "$src" O="$build" tinyconfig >"$log" 2>&1
	ukl_clean_env "$src/scripts/kconfig/merge_config.sh" -m -O "$build" \
		"$build/.config" "$@" >>"$log" 2>&1
	ukl_clean_env make -s -C "$src" O="$build" olddefconfig >>"$log" 2>&1
	for f in "$@"; do
		while IFS= read -r line; do
			opt=${line%%=*}
			[ -n "${want[$opt]+set}" ] || order+=("$opt")
			want[$opt]=${line#*=}
		done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$f")
	done
	for opt in ${order[@]+"${order[@]}"}; do
		if [ "${want[$opt]}" = n ]; then
			if grep -q "^$opt=" "$build/.config"; then
				ukl_die "kernel config: $opt should be off but is on (see $log)"
			fi
		elif ! grep -qx "$opt=${want[$opt]}" "$build/.config"; then
			ukl_die "kernel config: $opt=${want[$opt]} did not stick (a dependency is missing; see $log)"
		fi
	done
}
