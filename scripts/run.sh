#!/bin/bash
# bin/ukl run: boot an image under QEMU and return its program's exit status.
# See usage() for the interface; README.md for the exit statuses.
set -eu
# Every process the runner starts before QEMU delays the boot (5 to 7 ms
# each, measured with a CI run beside it): the checks below use the
# shell's own commands where they can.
scripts_dir=$(dirname "$0")
. "$scripts_dir/lib.sh"
. "$scripts_dir/runtime.sh"
. "$scripts_dir/net-tap.sh"
. "$scripts_dir/cmdline.sh"
. "$scripts_dir/run-disk.sh"
. "$scripts_dir/memory.sh"
. "$scripts_dir/machine.sh"
. "$scripts_dir/accel.sh"

# Statuses of the runner itself (the program's own are 0-255).
ST_NO_REPORT=120	# the guest stopped without reporting (panic, crash)
ST_QEMU=121		# QEMU could not start or failed
ST_TIMEOUT=124
ST_USAGE=125
ST_BAD_IMAGE=126
ST_NO_IMAGE=127

usage() {
	cat <<'USAGE'
usage: ukl run [-m MEM] [--smp N] [--timeout SECONDS] [-p HOSTPORT:GUESTPORT]...
               [-e KEY=VALUE]... [-v HOSTDIR:GUESTDIR[:ro]]... [--userspace]
               [--accel auto|tcg|kvm] [--machine microvm|pc] [--tuning ukl|linux]
               [--mem-report SECONDS] [--verbose]
               [--icount] [--count FILE [--count-socket PATH] [--count-at SYMBOL]...]
               [--net user|tap [--net-info FILE]] [--gdb PORT] IMAGE [-- ARG...]

  IMAGE          a UKL image (from ukl-gcc), a disk from ukl package --disk
                 (booted by UEFI firmware, OVMF, with the arguments and
                 environment baked into it), or with --userspace a static
                 Linux program, run as a normal process on UKL's kernel
  -m MEM         guest memory, as QEMU takes it (default: what the image
                 needs plus 96 MiB, in steps of 64 MiB, at least 128M)
  --smp N        virtual CPUs, 1 to 8 (default 1)
  --timeout S    stop the VM after S seconds and exit with 124
  -p H:G         forward 127.0.0.1:H on the host to TCP port G in the guest
  -e KEY=VALUE   put KEY=VALUE in the program's environment
  -v H:G[:ro]    share host directory H with the guest at G (mounted before
                 the program starts; :ro refuses writes); repeatable
  --userspace    IMAGE is a normal static program (the baseline)
  --file H:G     with --userspace, also put host file H at guest path G
                 (a UKL image gets its files from ukl-gcc --add-file)
  --accel A      tcg, kvm, or auto: kvm only if a probe boot works (default)
  --machine M    microvm (default): no PCI or ACPI, virtio on MMIO, 0.14 s
                 sooner to main under TCG; pc: the PC with PCI, the default
                 for a disk and for another kernel (UKL_KERNEL)
  --tuning T     ukl (default for a UKL image): kernel settings a unikernel
                 can take as it owns the VM (docs/runner.md, "Tuning");
                 linux (default with --userspace): Linux's own defaults,
                 as in a normal VM
  --mem-report S print "ukl: mem used_kib=N total_kib=N uptime_s=N" on
                 the console every S seconds (MemTotal - MemAvailable)
  --net user     QEMU user networking, host forwards with -p (default)
  --net tap      a TAP device in a network namespace of its own (needs
                 root): "ukl: net tap netns=NAME guest=ADDR" on stderr; run
                 clients with: ip netns exec NAME CLIENT ADDR ...
  --net-info F   with --net tap, write netns=NAME, guest=ADDR, host=ADDR
                 to F once the namespace is up (removed with it)
  --verbose      show the kernel's boot messages
  --gdb PORT     QEMU's gdb stub on 127.0.0.1:PORT; the VM waits for the
                 debugger's continue (docs/debugging.md)
  --icount       TCG with -icount shift=0: the guest's clock counts
                 executed instructions (1 ns each), a noise-free measure
  --count FILE   TCG with the counting plugin (docs/measuring.md): guest
                 instructions (application, kernel, idle), device accesses
                 and other VM exits, interrupts; "ukl-count ..." lines in
                 FILE, one at exit and one for each snapshot below
  --count-socket PATH
                 with --count: a Unix socket at PATH; each line written to
                 it takes a snapshot labelled with it, sent back when taken
  --count-at SYM with --count: a snapshot each time kernel (or, for a UKL
                 image, application) symbol SYM executes; repeatable
USAGE
}

usage_error() {
	printf 'ukl run: %s (see: ukl run --help)\n' "$1" >&2
	exit $ST_USAGE
}

# check_volume SPEC : validate one -v HOSTDIR:GUESTDIR[:ro|:rw] and add it
# to vol_hosts, vol_guests and vol_modes.
check_volume() {
	local spec=$1 host guest mode g part parts
	if ! [[ $spec =~ ^([^:]+):(/[^:]*)(:(ro|rw))?$ ]]; then
		usage_error "malformed -v '$spec' (want HOSTDIR:/GUEST/DIR or HOSTDIR:/GUEST/DIR:ro; boot messages are --verbose)"
	fi
	host=${BASH_REMATCH[1]}
	guest=${BASH_REMATCH[2]}
	mode=${BASH_REMATCH[4]:-rw}
	# ukl-init creates GUESTDIR as written: one spelling per directory.
	[[ $guest =~ ^(/[^/]+)+$ ]] ||
		usage_error "-v '$spec': write the guest directory as /a/b (no trailing or double slashes)"
	IFS=/ read -r -a parts <<<"${guest#/}"
	for part in "${parts[@]}"; do
		case "$part" in
		. | ..) usage_error "-v '$spec': the guest directory may not contain . or .." ;;
		esac
	done
	# ukl-init's own mounts and files: a share there would break the guest.
	case "$guest" in
	/dev | /proc | /proc/* | /sys | /sys/* | /init | /app)
		usage_error "-v '$spec': $guest belongs to the guest's own system; pick another directory" ;;
	esac
	for g in ${vol_guests[@]+"${vol_guests[@]}"}; do
		[ "$g" != "$guest" ] || usage_error "-v '$spec': $guest is already shared"
	done
	if [ ! -d "$host" ]; then
		printf 'ukl run: -v %s: host directory %s does not exist (create it first)\n' "$spec" "$host" >&2
		exit $ST_USAGE
	fi
	if [ ! -r "$host" ] || [ ! -x "$host" ]; then
		usage_error "-v '$spec': host directory $host is not readable by $(id -un)"
	fi
	vol_hosts+=("$(cd "$host" && pwd -P)")
	vol_guests+=("$guest")
	vol_modes+=("$mode")
}

mem=""
smp=1
timeout_s=0
accel=${UKL_ACCEL:-auto}
machine=${UKL_MACHINE:-}
userspace=0
verbose=0
tuning=""
icount=0
mem_report=0
net=user
net_info=""
count_file=""
count_socket=""
count_at=()
gdb_port=""
forwards=()
envs=()
files=()
vol_hosts=()
vol_guests=()
vol_modes=()
image=""
args=()

while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	-m) [ $# -ge 2 ] || usage_error "-m needs a size"
		[[ $2 =~ ^[0-9]+[MG]?$ ]] || usage_error "bad memory size '$2' (examples: 512M, 2G)"
		mem=$2; shift 2 ;;
	--smp) [ $# -ge 2 ] || usage_error "--smp needs a number"
		[[ $2 =~ ^[1-8]$ ]] || usage_error "bad --smp '$2' (1 to 8)"
		smp=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage_error "--timeout needs seconds"
		[[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "bad --timeout '$2' (whole seconds > 0)"
		timeout_s=$2; shift 2 ;;
	-p) [ $# -ge 2 ] || usage_error "-p needs HOSTPORT:GUESTPORT"
		if ! [[ $2 =~ ^([0-9]{1,5}):([0-9]{1,5})$ ]] ||
			[ "${BASH_REMATCH[1]}" -lt 1 ] || [ "${BASH_REMATCH[1]}" -gt 65535 ] ||
			[ "${BASH_REMATCH[2]}" -lt 1 ] || [ "${BASH_REMATCH[2]}" -gt 65535 ]; then
			usage_error "malformed -p '$2' (want HOSTPORT:GUESTPORT, ports 1-65535)"
		fi
		forwards+=("$2"); shift 2 ;;
	-e) [ $# -ge 2 ] || usage_error "-e needs KEY=VALUE"
		ukl_check_env_word "$2"
		envs+=("$2"); shift 2 ;;
	-v) [ $# -ge 2 ] || usage_error "-v needs HOSTDIR:GUESTDIR[:ro] (boot messages are --verbose)"
		check_volume "$2"; shift 2 ;;
	--userspace) userspace=1; shift ;;
	--file) [ $# -ge 2 ] || usage_error "--file needs HOSTPATH:GUESTPATH"
		[[ $2 =~ ^[^:]+:/[^:]+$ ]] || usage_error "malformed --file '$2' (want HOSTPATH:/GUEST/PATH)"
		[ -f "${2%%:*}" ] || usage_error "--file: ${2%%:*} is not a file"
		files+=("$2"); shift 2 ;;
	--accel) [ $# -ge 2 ] || usage_error "--accel needs auto, tcg or kvm"
		accel=$2; shift 2 ;;
	--machine) [ $# -ge 2 ] || usage_error "--machine needs microvm or pc"
		machine=$2; shift 2 ;;
	--tuning) [ $# -ge 2 ] || usage_error "--tuning needs ukl or linux"
		case "$2" in ukl | linux) ;; *) usage_error "bad --tuning '$2' (ukl or linux)" ;; esac
		tuning=$2; shift 2 ;;
	--mem-report) [ $# -ge 2 ] || usage_error "--mem-report needs seconds"
		[[ $2 =~ ^[1-9][0-9]{0,4}$ ]] && [ "$2" -le 86400 ] ||
			usage_error "bad --mem-report '$2' (whole seconds, 1 to 86400)"
		mem_report=$2; shift 2 ;;
	--net) [ $# -ge 2 ] || usage_error "--net needs user or tap"
		case "$2" in user | tap) ;; *) usage_error "bad --net '$2' (user or tap)" ;; esac
		net=$2; shift 2 ;;
	--net-info) [ $# -ge 2 ] || usage_error "--net-info needs a file name"
		net_info=$2; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--gdb) [ $# -ge 2 ] || usage_error "--gdb needs a PORT"
		[[ $2 =~ ^[1-9][0-9]{0,4}$ ]] && [ "$2" -le 65535 ] ||
			usage_error "bad --gdb port '$2' (1 to 65535)"
		gdb_port=$2; shift 2 ;;
	--icount) icount=1; accel=tcg; shift ;;
	--count) [ $# -ge 2 ] || usage_error "--count needs a FILE for the counts"
		count_file=$2; shift 2 ;;
	--count-socket) [ $# -ge 2 ] || usage_error "--count-socket needs a PATH"
		count_socket=$2; shift 2 ;;
	--count-at) [ $# -ge 2 ] || usage_error "--count-at needs a SYMBOL"
		[[ $2 =~ ^[A-Za-z_.][A-Za-z0-9_.]*$ ]] || usage_error "bad --count-at symbol '$2'"
		count_at+=("$2"); shift 2 ;;
	--) usage_error "no IMAGE before --" ;;
	-*) usage_error "unknown option '$1'" ;;
	*) ukl_image_and_args "$@"
		break ;;
	esac
done
case "$accel" in auto | tcg | kvm) ;; *) usage_error "bad --accel '$accel' (auto, tcg or kvm)" ;; esac
case "$machine" in "" | microvm | pc) ;; *) usage_error "bad --machine '$machine' (microvm or pc)" ;; esac
[ ${#files[@]} -eq 0 ] || [ $userspace -eq 1 ] || usage_error "--file goes with --userspace (UKL images get files from ukl-gcc --add-file)"
if [ "$net" = tap ]; then
	# Host ports would mean traffic outside the namespace.
	[ ${#forwards[@]} -eq 0 ] ||
		usage_error "-p goes with --net user; with --net tap run clients in the namespace (ip netns exec NAME ...)"
	ukl_tap_check || exit $ST_USAGE
else
	[ -z "$net_info" ] || usage_error "--net-info goes with --net tap"
fi
[ -n "$image" ] || usage_error "no IMAGE given"
# The plugin counts inside TCG's translator: there is nothing to hook into
# under KVM, where the guest's instructions run on the CPU itself.
if [ -n "$count_file" ]; then
	[ "$accel" != kvm ] || usage_error "--count needs TCG (the plugin counts inside QEMU's translator); drop --accel kvm"
	accel=tcg
else
	[ -z "$count_socket" ] && [ ${#count_at[@]} -eq 0 ] ||
		usage_error "--count-socket and --count-at go with --count FILE"
fi
if [ ! -e "$image" ]; then
	printf 'ukl run: image %s not found\n' "$image" >&2
	exit $ST_NO_IMAGE
fi
bad_image() {
	printf 'ukl run: %s: %s\n' "$image" "$1" >&2
	exit $ST_BAD_IMAGE
}
[ -f "$image" ] && [ -r "$image" ] || bad_image "not a readable file"
command -v qemu-system-x86_64 >/dev/null ||
	{ printf 'ukl run: qemu-system-x86_64 not found; run: bin/ukl setup\n' >&2; exit $ST_QEMU; }

# What kind of image is it? A kernel has its segments in the top 2 GiB,
# or is a bzImage (ukl-gcc --bzimage), with "HdrS" at offset 0x202.
bzimage=0
disk_format=$(ukl_disk_format "$image")
if [ -n "$disk_format" ]; then
	kind=disk
elif ukl_is_bzimage "$image"; then
	kind=kernel
	bzimage=1
else
	kind=$(ukl_elf_kind "$image")
fi
case "$userspace/$kind" in
0/kernel | 1/static | 0/disk) ;;
1/disk) bad_image "a disk; drop --userspace to boot it" ;;
0/static | 0/dynamic) bad_image "a normal Linux program, not a UKL image (run it with --userspace, or build it with ukl-gcc)" ;;
1/dynamic) bad_image "dynamically linked; a --userspace program must be static (gcc -static)" ;;
1/kernel) bad_image "a UKL image; drop --userspace to boot it" ;;
*) bad_image "neither an ELF image, a bzImage nor a disk from ukl package" ;;
esac
if [ -z "$machine" ]; then
	if [ $userspace -eq 1 ]; then
		machine=$(ukl_default_machine userspace)
	else
		machine=$(ukl_default_machine "$kind")
	fi
fi
# A disk boots with the command line baked into its kernel: what would
# go on the command line, or needs the ELF's symbols, needs the image.
if [ "$kind" = disk ]; then
	disk_refuses() {
		usage_error "$1 with a disk: its command line is baked in by ukl package; boot the ELF image for that"
	}
	[ ${#args[@]} -eq 0 ] || disk_refuses "program arguments"
	[ ${#envs[@]} -eq 0 ] || disk_refuses "-e"
	[ ${#vol_guests[@]} -eq 0 ] || disk_refuses "-v"
	[ "$mem_report" -eq 0 ] || disk_refuses "--mem-report"
	[ -z "$tuning" ] || disk_refuses "--tuning"
	[ $verbose -eq 0 ] || disk_refuses "--verbose (ukl package --verbose keeps the boot messages)"
	[ "$machine" != microvm ] || disk_refuses "--machine microvm (UEFI firmware boots it on pc)"
	[ -z "$count_file" ] || disk_refuses "--count"
	[ "$net" = user ] || disk_refuses "--net tap (the disk's network comes up by DHCP, which only user networking serves)"
	[ -f "$UKL_OVMF" ] ||
		{ printf 'ukl run: UEFI firmware %s not found; run: bin/ukl setup\n' "$UKL_OVMF" >&2; exit $ST_QEMU; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ukl-run.XXXXXX")
qemu_pid=""
console_filter_pid=""
# stop_console_filter : let the console filter print what QEMU wrote, and
# end it (it would wait forever for a QEMU that never opened its pipe).
stop_console_filter() {
	[ -n "$console_filter_pid" ] || return 0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$console_filter_pid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$console_filter_pid" 2>/dev/null || true
	wait "$console_filter_pid" 2>/dev/null || true
	console_filter_pid=""
}
cleanup() {
	[ -z "${watchdog_pid:-}" ] || kill -TERM "$watchdog_pid" 2>/dev/null || true
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -TERM "$qemu_pid" 2>/dev/null || true
		sleep 1
		kill -KILL "$qemu_pid" 2>/dev/null || true
	fi
	stop_console_filter
	ukl_tap_down
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ "$kind" = disk ]; then
	why=$(ukl_disk_check "$image" "$disk_format" "$tmp") || bad_image "$why"
fi

# The accelerator, which the command line depends on (accel.sh).
if [ "$accel" = auto ]; then
	if ukl_kvm_works; then accel=kvm; else accel=tcg; fi
fi

# The kernel command line carries the program's words, percent-encoded.
# acpi=noirq, on pc: PCI interrupts without ACPI's routing, whose AML
# methods took 0.15 s of each boot under TCG; virtio-net and virtio-9p
# use MSI-X. Only for UKL's own kernel: another (UKL_KERNEL, such as
# Debian's cloud kernel) may route its timer through ACPI, and then never
# ticks. microvm has no PCI to route.
cmdline="console=ttyS0 panic=-1 reboot=t"
own_kernel=1
[ $userspace -eq 0 ] || [ -z "${UKL_KERNEL:-}" ] || own_kernel=0
if [ "$machine" = pc ] && [ $own_kernel -eq 1 ]; then
	cmdline="acpi=noirq $cmdline"
fi
machine_kargs=$(ukl_machine_kernel_args "$machine" "$accel" "$icount" "$own_kernel") ||
	{ printf 'ukl run: cannot measure the host TSC rate for microvm; use --machine pc\n' >&2; exit $ST_QEMU; }
[ -z "$machine_kargs" ] || cmdline+=" $machine_kargs"
[ $verbose -eq 1 ] || cmdline+=" quiet"
if [ -z "$tuning" ]; then
	tuning=ukl
	[ $userspace -eq 0 ] || tuning=linux
fi
[ "$tuning" = linux ] || cmdline+=" $UKL_TUNING_ARGS"
for a in ${args[@]+"${args[@]}"}; do
	cmdline+=" ukl.arg=$(encode_word "$a")"
done
for e in ${envs[@]+"${envs[@]}"}; do
	cmdline+=" ukl.env=$(encode_word "$e")"
done
# ukl-init prints the guest's memory use every mem_report seconds.
[ "$mem_report" -eq 0 ] || cmdline+=" ukl.mem_report=$mem_report"
# Shared directories: ukl-init mounts tag uklN at its guest directory.
for i in ${vol_guests[@]+"${!vol_guests[@]}"}; do
	cmdline+=" ukl.mount=$(encode_word "ukl$i:${vol_modes[i]}:${vol_guests[i]}")"
done

# The console: standard output, or for a disk a FIFO into the filter
# below.
console=stdio,id=con,signal=off
[ "$kind" != disk ] || console=file,id=con,path=$tmp/console
ukl_machine_base_args "$machine" "$console" "$tmp/status"
qemu=(qemu-system-x86_64 -smp "$smp" "${machine_args[@]}")

if [ "$net" = tap ]; then
	# The namespace's tap0, created by ukl_tap_up; no helper scripts.
	netdev="tap,id=n0,ifname=$UKL_TAP_DEV,script=no,downscript=no"
else
	netdev="user,id=n0,restrict=on"
	for f in ${forwards[@]+"${forwards[@]}"}; do
		netdev+=",hostfwd=tcp:127.0.0.1:${f%%:*}-:${f##*:}"
	done
fi
nic=$(ukl_machine_virtio "$machine" net),netdev=n0
# No network boot ROM under the firmware: the disk is what boots.
[ "$kind" != disk ] || nic+=,romfile=
qemu+=(-netdev "$netdev" -device "$nic")
# Each shared directory is a virtio-9p device with QEMU's local backend.
# security_model=none: QEMU touches the files as the user who runs it,
# with the modes the guest asks for, and ignores the chown it cannot do
# as a normal user (passthrough would fail there). The files stay plain
# files on the host, owned by that user: no xattrs are needed (mapped-xattr
# needs them and tmpfs lacks them on older kernels), and what the guest
# writes is what the host sees. readonly=on backs up the guest's read-only
# mount on the host side. multidevs=remap keeps inode numbers unique when
# the directory spans several host filesystems. QEMU wants commas in a
# path doubled.
for i in ${vol_hosts[@]+"${!vol_hosts[@]}"}; do
	fsdev="local,id=vol$i,path=${vol_hosts[i]//,/,,},security_model=none,multidevs=remap"
	[ "${vol_modes[i]}" = rw ] || fsdev+=",readonly=on"
	qemu+=(-fsdev "$fsdev" -device "$(ukl_machine_virtio "$machine" 9p),fsdev=vol$i,mount_tag=ukl$i")
done
# qboot (Debian's qemu-system-data) instead of SeaBIOS on pc: the same PVH
# and bzImage boot, 0.1 to 0.25 s sooner under TCG. Every mode gets it;
# microvm has its own small firmware.
# A disk gets UEFI firmware instead, which starts the kernel's EFI stub
# from the disk's EFI system partition; snapshot=on: nothing the guest or
# the firmware writes reaches the file.
if [ "$kind" = disk ]; then
	qemu+=(-bios "$UKL_OVMF"
		-drive "file=${image//,/,,},format=$disk_format,if=none,id=disk0,snapshot=on"
		-device virtio-blk-pci,drive=disk0,bootindex=0)
elif [ "$machine" = pc ] && [ -f /usr/share/qemu/qboot.rom ]; then
	qemu+=(-bios /usr/share/qemu/qboot.rom)
fi
cmdline+=" ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off"

if [ $userspace -eq 1 ]; then
	# UKL_KERNEL: a kernel to use instead of the cached build (for
	# kernel development).
	# A cold cache builds the kernel first, with progress on stderr.
	if [ -n "${UKL_KERNEL:-}" ]; then
		kernel=$UKL_KERNEL
	else
		kernel=$("$UKL_ROOT/scripts/build-kernel.sh" --quiet)/vmlinux || exit $ST_QEMU
	fi
	ukl_initrd "$tmp/initrd" "$image" ${files[@]+"${files[@]}"}
	qemu+=(-kernel "$kernel" -initrd "$tmp/initrd")
elif [ "$kind" = kernel ]; then
	qemu+=(-kernel "$image")
fi
# Memory: -m, or what the kernel and its files need (scripts/memory.sh).
if [ -z "$mem" ]; then
	if [ "$kind" = disk ]; then
		mem=$(ukl_default_memory 0 0)
	elif [ $userspace -eq 1 ]; then
		mem=$(ukl_default_memory "$(ukl_load_end "$kernel")" "$(stat -c %s "$tmp/initrd")")
	else
		mem=$(ukl_default_memory "$(ukl_load_end "$image")" 0)
	fi
fi
qemu+=(-m "$mem")
# Counting: the plugin (built or found by scripts/plugin.sh), with the
# address map of the kernel that boots (scripts/count-map.sh). QEMU splits
# its -plugin argument at commas, so the paths may have none.
if [ -n "$count_file" ]; then
	count_dir=$(cd "$(dirname "$count_file")" 2>/dev/null && pwd) ||
		usage_error "--count: directory of $count_file does not exist"
	count_file=$count_dir/$(basename "$count_file")
	plugin_args="out=$count_file,map=$tmp/count.map"
	if [ -n "$count_socket" ]; then
		count_dir=$(cd "$(dirname "$count_socket")" 2>/dev/null && pwd) ||
			usage_error "--count-socket: directory of $count_socket does not exist"
		count_socket=$count_dir/$(basename "$count_socket")
		[ ${#count_socket} -lt 108 ] || usage_error "--count-socket: path too long for a Unix socket (107 bytes at most)"
		plugin_args+=",sock=$count_socket"
	fi
	[[ $count_file$count_socket$tmp != *,* ]] ||
		usage_error "--count and --count-socket paths may not contain commas"
	# UKL_COUNT_ARGS: more plugin arguments, e.g. "exact=on" or "mmio=off"
	[ -z "${UKL_COUNT_ARGS:-}" ] || plugin_args+=",$UKL_COUNT_ARGS"
	if [ $userspace -eq 1 ]; then
		count_elf=$kernel
		count_mode=process
	else
		count_elf=$image
		count_mode=ukl
		[ $bzimage -eq 0 ] ||
			bad_image "--count needs the ELF image with its symbols (ukl-gcc without --bzimage)"
	fi
	UKL_DIE_STATUS=$ST_BAD_IMAGE "$UKL_ROOT/scripts/count-map.sh" "$count_elf" "$count_mode" \
		${count_at[@]+"${count_at[@]}"} >"$tmp/count.map"
	plugin=$("$UKL_ROOT/scripts/plugin.sh") || exit $ST_QEMU
	qemu+=(-plugin "$plugin,$plugin_args")
fi
# The kernel's buffer (2048 bytes) holds its built-in line, then this one.
# ukl package keeps a baked line under half of it, so a shorter line
# always fits, and the image's symbols (nm takes 0.15 s) are read only
# for a longer one.
cmdline_limit=2000
if [ "$kind" = kernel ] && [ $bzimage -eq 0 ] &&
	[ ${#cmdline} -ge $((UKL_BUILTIN_CMDLINE_SIZE / 2 - 2)) ]; then
	builtin=$(ukl_builtin_cmdline "$image")
	cmdline_limit=$((UKL_BUILTIN_CMDLINE_SIZE - ${#builtin} - 2))
fi
[ ${#cmdline} -le $cmdline_limit ] || usage_error "arguments and environment too long for the kernel command line (${#cmdline} bytes, limit $cmdline_limit)"
[ "$kind" = disk ] || qemu+=(-append "$cmdline")

case "$accel" in
kvm) qemu+=(-accel kvm -cpu host) ;;
tcg) qemu+=(-accel tcg -cpu max) ;;
esac
# The plugin's inline counters are plain additions: one host thread runs
# every vCPU in turn, so that no two vCPUs add to a counter at once.
if [ -n "$count_file" ]; then
	for i in "${!qemu[@]}"; do
		[ "${qemu[i]}" != tcg ] || qemu[i]=tcg,thread=single
	done
fi
[ $icount -eq 0 ] || qemu+=(-icount shift=0,sleep=off)
# --gdb: the stub listens on the loopback address only, and -S holds the
# first instruction until the debugger says continue.
if [ -n "$gdb_port" ]; then
	qemu+=(-gdb "tcp:127.0.0.1:$gdb_port" -S)
fi
# UKL_QEMU_ARGS: extra QEMU arguments, split at spaces (for kernel
# development, e.g. "-gdb tcp:127.0.0.1:1234 -S" to wait for gdb).
if [ -n "${UKL_QEMU_ARGS:-}" ]; then
	read -r -a extra_qemu_args <<<"$UKL_QEMU_ARGS"
	qemu+=("${extra_qemu_args[@]}")
fi

# --net tap: the namespace last, once nothing can refuse the command line.
# QEMU runs inside it; setpriv and ip netns exec each exec the next, so
# qemu_pid stays QEMU's. --pdeathsig: should the runner be killed with
# SIGKILL (no trap runs), QEMU dies with it, and the next tap run removes
# the empty namespace (ukl_tap_sweep).
in_netns=()
if [ "$net" = tap ]; then
	ukl_tap_up || exit $ST_QEMU
	if [ -n "$net_info" ]; then
		ukl_tap_write_info "$net_info" ||
			{ printf 'ukl run: cannot write --net-info %s\n' "$net_info" >&2; exit $ST_USAGE; }
	fi
	printf 'ukl: net tap netns=%s guest=%s\n' "$ukl_tap_ns" "$UKL_TAP_GUEST" >&2
	in_netns=(setpriv --pdeathsig KILL ip netns exec "$ukl_tap_ns")
fi

: >"$tmp/status"
if [ -n "$gdb_port" ]; then
	gdb_elf=$image
	[ $userspace -eq 0 ] || gdb_elf=$kernel
	printf 'ukl: gdb stub on 127.0.0.1:%s, the VM waits; attach with: gdb %s -ex "target remote 127.0.0.1:%s"\n' \
		"$gdb_port" "$gdb_elf" "$gdb_port" >&2
	[ $bzimage -eq 0 ] ||
		printf 'ukl: %s is a bzImage, without symbols: give gdb the ELF image of the same build\n' "$image" >&2
fi
# A disk's firmware draws its screen on the serial console with terminal
# escapes (it clears the screen); the console goes through a filter that
# drops them, and the firmware's own lines stay.
if [ "$kind" = disk ]; then
	mkfifo "$tmp/console"
	sed -u 's/\x1b\[[0-9;=?]*[A-Za-z]//g' <"$tmp/console" &
	console_filter_pid=$!
fi
${in_netns[@]+"${in_netns[@]}"} "${qemu[@]}" </dev/null 2>"$tmp/qemu.err" &
qemu_pid=$!
# --timeout: a watchdog stops QEMU after S seconds, so that waiting on
# QEMU returns the moment it exits. QEMU stays the runner's own child (the
# namespace's --pdeathsig needs that). Stopped, the watchdog ends its sleep.
watchdog_pid=""
if [ "$timeout_s" -gt 0 ]; then
	(
		trap 'kill "$sleep_pid" 2>/dev/null; exit 0' TERM
		sleep "$timeout_s" &
		sleep_pid=$!
		wait "$sleep_pid"
		: >"$tmp/timed-out"
		kill -TERM "$qemu_pid" 2>/dev/null
	) </dev/null >/dev/null 2>&1 &
	watchdog_pid=$!
fi
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=""
if [ -n "$watchdog_pid" ]; then
	kill -TERM "$watchdog_pid" 2>/dev/null || true
	wait "$watchdog_pid" 2>/dev/null || true
fi
stop_console_filter

if [ -f "$tmp/timed-out" ]; then
	printf 'ukl run: timed out after %ss; VM stopped\n' "$timeout_s" >&2
	exit $ST_TIMEOUT
fi
# ukl-init's line: the last one that is a number (firmware may have
# written to the port before it; the tty ends lines with CR LF).
status=""
while IFS= read -r line || [ -n "$line" ]; do
	line=${line%$'\r'}
	if [[ $line =~ ^[0-9]{1,3}$ ]]; then
		status=$line
	fi
done <"$tmp/status"
if [ -n "$status" ]; then
	exit "$status"
fi
if [ "$qemu_rc" -ne 0 ]; then
	printf 'ukl run: QEMU failed (status %s):\n' "$qemu_rc" >&2
	head -n 5 "$tmp/qemu.err" >&2
	exit $ST_QEMU
fi
printf 'ukl run: the guest stopped without reporting an exit status (kernel panic? rerun with --verbose)\n' >&2
exit $ST_NO_REPORT
