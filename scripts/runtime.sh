# Building the small host-compiled pieces every guest needs (ukl-init, the
# KVM probe program) into the cache, keyed by their sources. Sourced.

# ukl_runtime_tool NAME SOURCES... : print the path of a static binary built
# from SOURCES (relative to runtime/), building it first if needed.
ukl_runtime_tool() {
	local name=$1 key out srcs="" s
	shift
	for s in "$@"; do
		srcs="$srcs $UKL_ROOT/runtime/$s"
	done
	# shellcheck disable=SC2086 # list of files
	key=$(ukl_hash $srcs "$UKL_ROOT"/runtime/init/*.h)
	out=$UKL_CACHE/runtime/$name-$key
	if [ ! -x "$out" ]; then
		mkdir -p "$UKL_CACHE/runtime"
		# shellcheck disable=SC2086 # list of files
		gcc -static -O2 -Wall -Wextra -Werror -o "$out.tmp" $srcs ||
			ukl_die "cannot build $name"
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

ukl_init_binary() {
	ukl_runtime_tool ukl-init init/main.c init/cmdline.c
}
