# The kernel command line of a UKL image: the words the runner passes at
# boot, and the kernel's built-in line (CONFIG_CMDLINE) inside an ELF
# image. ukl package writes the program's arguments and environment into
# the built-in line, so that an image boots with them under any engine,
# whatever command line the engine passes (the kernel puts the built-in
# line first and the boot loader's after it). Sourced by
# scripts/package.sh and scripts/run.sh.

# Percent-encode one word for the kernel command line, where spaces,
# quotes and non-ASCII bytes would otherwise be mangled.
encode_word() {
	local LC_ALL=C s=$1 out="" c i
	if [ -z "$s" ]; then
		printf '%%00'	# decodes to an empty string
		return
	fi
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case "$c" in
		[A-Za-z0-9_./:,+@-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

# The kernel settings a unikernel can take because it owns its VM, which
# Linux offers but a normal VM does not enable (docs/runner.md, "Tuning").
# ukl run passes them to UKL images (--tuning ukl, the default) and ukl
# package bakes them in; a normal process boots with Linux's defaults
# unless it asks for them (--userspace --tuning ukl), so that benchmarks
# can show what each setting gives a process too.
#   virtio_net.napi_tx=0: no interrupt for each sent packet; the driver
#     frees sent buffers on its next send (and takes an interrupt only
#     when the ring is full). Measured: 3 to 4 fewer device exits per echo
#     round trip on microvm, nothing more when idle.
# shellcheck disable=SC2034 # used by the scripts that source this one
UKL_TUNING_ARGS="virtio_net.napi_tx=0"

# Room for the built-in line: the kernel's buffer is COMMAND_LINE_SIZE
# (2048 on x86) and must also hold what the boot loader appends.
UKL_BUILTIN_CMDLINE_SIZE=2048

# ukl_builtin_cmdline_offset ELF : the file offset of builtin_cmdline in
# ELF, or nothing if ELF has no such symbol in a section with file data.
ukl_builtin_cmdline_offset() {
	local addr sec_addr sec_off sec_size a
	addr=$(LC_ALL=C nm "$1" 2>/dev/null | awk '$3 == "builtin_cmdline" { print $1 }')
	[ "$(printf '%s\n' "$addr" | grep -c .)" -eq 1 ] || return 0
	a=$((0x$addr))
	# Section headers: [Nr] Name Type Address Off Size ...; bash's 64-bit
	# arithmetic wraps like the addresses do.
	while read -r sec_addr sec_off sec_size; do
		if [ $((a - 0x$sec_addr)) -ge 0 ] && [ $((a - 0x$sec_addr)) -lt $((0x$sec_size)) ]; then
			echo $((0x$sec_off + a - 0x$sec_addr))
			return 0
		fi
	done < <(LC_ALL=C readelf -SW "$1" 2>/dev/null |
		awk '/^ *\[ *[0-9]+\]/ { sub(/^ *\[ *[0-9]+\] */, ""); if ($2 == "PROGBITS") print $3, $4, $5 }')
}

# ukl_builtin_cmdline ELF : print the built-in command line of ELF
# (nothing if it has none).
ukl_builtin_cmdline() {
	local off
	off=$(ukl_builtin_cmdline_offset "$1")
	[ -n "$off" ] || return 0
	dd if="$1" bs=1 skip="$off" count=$UKL_BUILTIN_CMDLINE_SIZE 2>/dev/null |
		tr '\0' '\n' | head -n 1
}

# ukl_set_builtin_cmdline ELF LINE : overwrite the built-in command line of
# ELF with LINE (the caller checks its length).
ukl_set_builtin_cmdline() {
	local off
	off=$(ukl_builtin_cmdline_offset "$1")
	[ -n "$off" ] || return 1
	{
		printf '%s' "$2"
		head -c $((UKL_BUILTIN_CMDLINE_SIZE - ${#2})) /dev/zero
	} | dd of="$1" bs=1 seek="$off" conv=notrunc 2>/dev/null
}

# The end of a ukl run or ukl package command line, IMAGE [-- ARG...]:
# ukl_image_and_args sets image and args from it. ukl_check_env_word
# checks one -e KEY=VALUE. Both report through the caller's usage_error.
# shellcheck disable=SC2034 # image and args are the caller's
ukl_image_and_args() {
	image=$1
	shift
	args=()
	if [ $# -gt 0 ]; then
		[ "$1" = -- ] || usage_error "unexpected '$1' after IMAGE (program arguments go after --)"
		shift
		args=("$@")
	fi
}

ukl_check_env_word() {
	[[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || usage_error "malformed -e '$1' (want KEY=VALUE)"
}
