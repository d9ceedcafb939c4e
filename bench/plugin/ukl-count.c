/*
 * ukl-count: a QEMU TCG plugin that counts what a guest run would cost on
 * real hardware under KVM, independent of how fast TCG emulates it:
 * guest instructions (split by where they run) and the device accesses
 * and instructions that would each be a VM exit. docs/measuring.md says
 * what each count means and how far it carries over to KVM.
 *
 * Built against qemu-plugin.h of QEMU 7.2 (plugin API version 1) by
 * scripts/plugin.sh; loaded by "ukl run --count FILE", which writes the
 * map and passes the arguments:
 *
 *   out=FILE     where the count lines go (required; truncated at start)
 *   map=FILE     the guest's address map, one item a line:
 *                  range CLASS START END     instructions in [START, END)
 *                                            are CLASS: app, kernel, idle
 *                  entry NAME START END STEP count each execution of an
 *                                            instruction at START + k*STEP
 *                                            (< END): irqs, syscalls, ...
 *                  snap LABEL ADDR           a count line each time the
 *                                            instruction at ADDR executes
 *                (addresses in hex; the first range that holds an address
 *                wins; outside all of them, the kernel half is "kernel" and
 *                the user half "user")
 *   sock=PATH    a Unix socket: every line a client writes to it takes a
 *                count line labelled with it, which is also sent back to
 *                that client once taken (so the client knows the counts
 *                are from before whatever it does next)
 *   exact=on     count instructions one by one instead of per translated
 *                block (slower; see "Translated blocks" below)
 *   mmio=kernel  (default) look for device memory accesses only in
 *                instructions of the kernel and idle classes whose memory
 *                operand could be device memory (see may_be_mmio());
 *                "kernel-all": in every kernel and idle instruction that
 *                touches memory; "all": in every instruction; "off":
 *                nowhere (cheapest); "check": as kernel-all, and also
 *                count what "kernel" would have missed, as mmio_missed=N
 *
 * Every count line is one line of words:
 *
 *   ukl-count seq=N at=LABEL insns=N insns_app=N insns_kernel=N
 *     insns_idle=N insns_user=N insns_boot=N mmio=N pio=N msr=N hlt=N
 *     cpuid=N exits=N [NAME=N for each entry] markers=N host_us=N
 *     mmio_by=REGION:N,REGION:N...
 *
 * with counts from the start of the run; the difference of two lines is
 * what happened between them. exits = mmio + pio + msr + hlt. mmio_by
 * splits mmio by QEMU's name for the memory region (the device) accessed,
 * "-" while there is none. A line is
 * taken at exit (at=exit), for each socket line, for each "snap" address
 * executed (at=LABEL) and for each guest marker (at=marker): the
 * instruction "xchg %bx,%bx" (66 87 db), a no-op that a guest program can
 * place around the code it wants counted.
 *
 * Translated blocks: instructions are added up per translated block when
 * the block starts, which is cheap but counts the rest of a block that an
 * exception (a page fault, say) leaves in the middle, and a line taken
 * inside a block includes the whole block. exact=on adds one at a time.
 *
 * vCPUs: the inline additions are plain, not atomic, so two vCPU threads
 * could lose updates of the same counter; "ukl run --count" therefore runs
 * every vCPU in one host thread (-accel tcg,thread=single), where they
 * cannot race.
 *
 * Boot: until the first instruction in the kernel half is translated,
 * instructions in the low half are firmware and the kernel's early entry
 * at physical addresses: they count as insns_boot, not as user code.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define KERNEL_HALF	0xffff800000000000ULL
#define USER_TOP	0x0000800000000000ULL
#define MAX_RANGES	64
#define MAX_ENTRIES	64
#define MAX_NAMES	8
#define MAX_SNAPS	16
#define NAME_LEN	32
#define LABEL_LEN	64
#define MAX_REGIONS	16

/* Where an instruction runs; the order is that of the count line. */
enum class { C_APP, C_KERNEL, C_IDLE, C_USER, C_BOOT, N_CLASSES };
static const char *const class_names[N_CLASSES] = {
	"app", "kernel", "idle", "user", "boot",
};

/* What an instruction is, decoded from its bytes at translation. */
enum kind { K_OTHER, K_PIO, K_MSR, K_HLT, K_CPUID, K_MARKER };

struct range {
	uint64_t start, end;
	enum class cls;
};

struct entry {
	uint64_t start, end, step;
	int name;		/* index into entry_names and entry_count */
};

struct snap {
	uint64_t addr;
	char label[LABEL_LEN];
};

/*
 * The counters. The inline additions write them from translated code;
 * line_lock only orders the lines, readers load each word once.
 */
static uint64_t insns[N_CLASSES];
static uint64_t mmio, pio, msr, hlt, cpuid, markers, mmio_missed;
static uint64_t entry_count[MAX_NAMES];

/* When the plugin was installed: host_us= in each line counts from it. */
static struct timespec started;

static uint64_t host_us_since_start(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - started.tv_sec) * 1000000 +
	       (now.tv_nsec - started.tv_nsec) / 1000;
}

/*
 * MMIO by device: QEMU interns the region names, so a name's pointer
 * identifies it. Only the vCPU thread adds regions; nregions is published
 * after the slot is filled, for the threads that print.
 */
static struct {
	const char *name;
	uint64_t n;
} regions[MAX_REGIONS];
static int nregions;

static struct range ranges[MAX_RANGES];
static int nranges;
static struct entry entries[MAX_ENTRIES];
static int nentries;
static char entry_names[MAX_NAMES][NAME_LEN];
static int nnames;
static struct snap snaps[MAX_SNAPS];
static int nsnaps;

static bool exact;
static enum { MMIO_OFF, MMIO_KERNEL, MMIO_KERNEL_ALL, MMIO_ALL, MMIO_CHECK }
	mmio_mode = MMIO_KERNEL;
static bool kernel_seen;	/* translated a kernel-half instruction yet? */

static FILE *out;
static pthread_mutex_t line_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t seq;
static int sock_fd = -1;

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * Take one count line labelled @label: write it to the output file and,
 * if @buf is given, format it there too (for the socket's reply).
 */
static void take_line(const char *label, char *buf, size_t size)
{
	char line[1536];	/* the fields take under 800 bytes; mmio_by is cut to fit */
	uint64_t c[N_CLASSES], total = 0, io[5];
	int n, i, k;

	for (i = 0; i < N_CLASSES; i++) {
		c[i] = load(&insns[i]);
		total += c[i];
	}
	io[0] = load(&mmio);
	io[1] = load(&pio);
	io[2] = load(&msr);
	io[3] = load(&hlt);
	io[4] = load(&cpuid);
	pthread_mutex_lock(&line_lock);
	if (!out) {		/* after exit: the socket thread may still ask */
		pthread_mutex_unlock(&line_lock);
		if (buf)
			snprintf(buf, size, "ukl-count: exited\n");
		return;
	}
	n = snprintf(line, sizeof(line), "ukl-count seq=%" PRIu64 " at=%s insns=%" PRIu64,
		     seq++, label, total);
	for (i = 0; i < N_CLASSES; i++)
		n += snprintf(line + n, sizeof(line) - n, " insns_%s=%" PRIu64,
			      class_names[i], c[i]);
	n += snprintf(line + n, sizeof(line) - n,
		      " mmio=%" PRIu64 " pio=%" PRIu64 " msr=%" PRIu64 " hlt=%" PRIu64
		      " cpuid=%" PRIu64 " exits=%" PRIu64,
		      io[0], io[1], io[2], io[3], io[4], io[0] + io[1] + io[2] + io[3]);
	for (i = 0; i < nnames; i++)
		n += snprintf(line + n, sizeof(line) - n, " %s=%" PRIu64,
			      entry_names[i], load(&entry_count[i]));
	n += snprintf(line + n, sizeof(line) - n, " markers=%" PRIu64 " host_us=%" PRIu64 " mmio_by=",
		      load(&markers), host_us_since_start());
	k = __atomic_load_n(&nregions, __ATOMIC_ACQUIRE);
	if (!k)
		n += snprintf(line + n, sizeof(line) - n, "-");
	for (i = 0; i < k && n < (int)sizeof(line) - 80; i++) {
		const char *p;

		n += snprintf(line + n, sizeof(line) - n, "%s", i ? "," : "");
		for (p = regions[i].name; *p && n < (int)sizeof(line) - 40; p++)
			line[n++] = strchr(" ,:=", *p) ? '_' : *p;
		n += snprintf(line + n, sizeof(line) - n, ":%" PRIu64, load(&regions[i].n));
	}
	if (mmio_mode == MMIO_CHECK)
		snprintf(line + n, sizeof(line) - n, " mmio_missed=%" PRIu64, load(&mmio_missed));
	fprintf(out, "%s\n", line);
	fflush(out);
	pthread_mutex_unlock(&line_lock);
	if (buf)
		snprintf(buf, size, "%s\n", line);
}

/* ---- translation: classify and decode each instruction ---- */

static enum class classify(uint64_t pc)
{
	int i;

	if (pc < USER_TOP && !kernel_seen)
		return C_BOOT;
	for (i = 0; i < nranges; i++)
		if (pc >= ranges[i].start && pc < ranges[i].end)
			return ranges[i].cls;
	return pc >= KERNEL_HALF ? C_KERNEL : C_USER;
}

/*
 * The instructions that exit under KVM, by opcode after any legacy or REX
 * prefixes. The opcode must end the instruction exactly where QEMU says it
 * ends, so that a byte of another instruction (in 16- or 32-bit code,
 * 0x40-0x4f are inc/dec, not REX) never makes a match.
 */
static enum kind decode(const uint8_t *b, size_t len)
{
	size_t i = 0;

	if (len == 3 && b[0] == 0x66 && b[1] == 0x87 && b[2] == 0xdb)
		return K_MARKER;	/* xchg %bx,%bx */
	while (i < len) {
		switch (b[i]) {
		case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		case 0x2e: case 0x36: case 0x3e: case 0x26: case 0x64: case 0x65:
			i++;
			continue;
		}
		break;
	}
	if (i < len && (b[i] & 0xf0) == 0x40 && i + 1 < len)
		i++;		/* REX; at worst a misread inc/dec that then matches nothing */
	if (i >= len)
		return K_OTHER;
	switch (b[i]) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:	/* in/out with imm8 port */
		return i + 2 == len ? K_PIO : K_OTHER;
	case 0xec: case 0xed: case 0xee: case 0xef:	/* in/out with %dx port */
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:	/* ins/outs */
		return i + 1 == len ? K_PIO : K_OTHER;
	case 0xf4:
		return i + 1 == len ? K_HLT : K_OTHER;
	case 0x0f:
		if (i + 2 != len)
			return K_OTHER;
		if (b[i + 1] == 0x30 || b[i + 1] == 0x32)	/* wrmsr, rdmsr */
			return K_MSR;
		if (b[i + 1] == 0xa2)
			return K_CPUID;
		return K_OTHER;
	}
	return K_OTHER;
}

/*
 * Could this instruction's memory operand be device memory? A memory
 * callback on every kernel access slows TCG about fourfold, and most of
 * them cannot be MMIO: the stack (push, pop, call, ret, %rsp-based
 * operands), per-CPU data (%gs:), globals addressed relative to %rip,
 * string instructions (the kernel's memcpy and copies to and from user
 * memory; drivers that copy to device memory with memcpy_toio would be
 * missed, none in this guest does), and LEA, which touches no memory.
 * Linux's MMIO accessors (readl(), writel(), ioread16() ...) are single
 * MOVs through a pointer register or to a fixed address (the local APIC's
 * fixmap slot), and those stay in. Whatever the decoder does not know
 * stays in too: a wrong "yes" costs time, a wrong "no" a count.
 * mmio=check measures what this misses.
 */
static bool may_be_mmio(const uint8_t *b, size_t len)
{
	size_t i = 0, m;
	bool rex_b = false;
	uint8_t op, modrm, mod, rm, sib;

	for (; i < len; i++) {
		if (b[i] == 0x64 || b[i] == 0x65)
			return false;	/* %fs:, %gs: per-CPU and TLS data */
		if (!strchr("\x66\x67\xf0\xf2\xf3\x2e\x36\x3e\x26", b[i]) || !b[i])
			break;
	}
	if (i < len && (b[i] & 0xf0) == 0x40 && i + 1 < len)
		rex_b = b[i++] & 1;
	if (i >= len)
		return false;
	op = b[i];
	if (op == 0x0f) {
		if (i + 1 >= len)
			return true;
		op = b[i + 1];
		if (op == 0x38 || op == 0x3a) {
			m = i + 3;	/* three-byte opcodes: all have ModRM */
		} else if ((op >= 0x80 && op <= 0x8f) || (op >= 0xc8 && op <= 0xcf) ||
			   (op && strchr("\x05\x06\x07\x08\x09\x0b\x0e\x30\x31\x32\x33\x34\x35\x37\x77\xa0\xa1\xa2\xa8\xa9\xaa", op))) {
			return false;	/* jcc, bswap, syscall, rdmsr, cpuid, ...: no ModRM */
		} else {
			m = i + 2;
		}
	} else {
		switch (op) {
		case 0x50 ... 0x5f: case 0x68: case 0x6a: case 0x8f:	/* push, pop */
		case 0x9c: case 0x9d: case 0xc2: case 0xc3: case 0xc8: case 0xc9:
		case 0xe8:						/* call rel32 */
		case 0xa4 ... 0xa7: case 0xaa ... 0xaf:			/* string ops */
		case 0x8d:						/* lea */
			return false;
		case 0x00 ... 0x03: case 0x08 ... 0x0b: case 0x10 ... 0x13:
		case 0x18 ... 0x1b: case 0x20 ... 0x23: case 0x28 ... 0x2b:
		case 0x30 ... 0x33: case 0x38 ... 0x3b: case 0x63: case 0x69: case 0x6b:
		case 0x80 ... 0x8c: case 0x8e: case 0xc0: case 0xc1: case 0xc6: case 0xc7:
		case 0xd0 ... 0xd3: case 0xd8 ... 0xdf: case 0xf6: case 0xf7:
		case 0xfe: case 0xff:
			m = i + 1;	/* ModRM follows */
			break;
		case 0x04 ... 0x07: case 0x0c ... 0x0e: case 0x14 ... 0x17: case 0x1c ... 0x1f:
		case 0x24 ... 0x27: case 0x2c ... 0x2f: case 0x34 ... 0x37: case 0x3c ... 0x3f:
		case 0x70 ... 0x7f: case 0x90 ... 0x9b: case 0x9e: case 0x9f:
		case 0xa8: case 0xa9: case 0xb0 ... 0xbf: case 0xcc ... 0xcf:
		case 0xe0 ... 0xe7: case 0xe9 ... 0xef: case 0xf4: case 0xf5:
		case 0xf8 ... 0xfd:
			return false;	/* no memory operand (or port I/O, counted as such) */
		default:
			return true;	/* moffs MOVs (a0-a3), xlat, VEX, EVEX, ...: keep */
		}
	}
	if (m >= len)
		return true;
	modrm = b[m];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return false;		/* register operand */
	if (rm == 5 && mod == 0)
		return false;		/* %rip-relative: the kernel's own data */
	if (rm == 4) {			/* SIB byte */
		if (m + 1 >= len)
			return true;
		sib = b[m + 1];
		if ((sib & 7) == 4 && !rex_b)
			return false;	/* %rsp-based: the stack */
	}
	return true;
}

static void add_one(struct qemu_plugin_insn *insn, uint64_t *counter)
{
	qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
						   counter, 1);
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info,
		   uint64_t vaddr, void *udata)
{
	struct qemu_plugin_hwaddr *h = qemu_plugin_get_hwaddr(info, vaddr);

	(void)vcpu;
	(void)udata;
	const char *name;
	int i;

	if (!h || !qemu_plugin_hwaddr_is_io(h))
		return;
	mmio++;		/* in the vCPU thread, like the inline adds */
	if (udata)	/* mmio=check: the decoder would have left it out */
		mmio_missed++;
	name = qemu_plugin_hwaddr_device_name(h);
	for (i = 0; i < nregions; i++)
		if (regions[i].name == name)
			break;
	if (i == nregions) {
		if (i == MAX_REGIONS)
			return;		/* more devices than slots: only the total */
		regions[i].name = name;
		__atomic_store_n(&nregions, i + 1, __ATOMIC_RELEASE);
	}
	regions[i].n++;
}

static void on_marker(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	markers++;
	take_line("marker", NULL, 0);
}

static void on_snap(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	take_line(((struct snap *)udata)->label, NULL, 0);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	uint64_t per_class[N_CLASSES] = { 0 };
	int c, k;

	(void)id;
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t pc = qemu_plugin_insn_vaddr(insn);
		enum class cls;

		if (pc >= KERNEL_HALF)
			kernel_seen = true;
		cls = classify(pc);
		if (exact)
			add_one(insn, &insns[cls]);
		else
			per_class[cls]++;

		const uint8_t *bytes = qemu_plugin_insn_data(insn);
		size_t len = qemu_plugin_insn_size(insn);
		bool kernel = cls == C_KERNEL || cls == C_IDLE;

		switch (decode(bytes, len)) {
		case K_PIO: add_one(insn, &pio); break;
		case K_MSR: add_one(insn, &msr); break;
		case K_HLT: add_one(insn, &hlt); break;
		case K_CPUID: add_one(insn, &cpuid); break;
		case K_MARKER:
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
			break;
		case K_OTHER: break;
		}
		if (mmio_mode == MMIO_ALL ||
		    (kernel && (mmio_mode == MMIO_KERNEL_ALL || mmio_mode == MMIO_CHECK ||
				(mmio_mode == MMIO_KERNEL && may_be_mmio(bytes, len)))))
			qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
							 QEMU_PLUGIN_MEM_RW,
							 mmio_mode == MMIO_CHECK && !may_be_mmio(bytes, len) ?
							 &mmio_missed : NULL);
		for (k = 0; k < nentries; k++) {
			const struct entry *e = &entries[k];

			if (pc >= e->start && pc < e->end && (pc - e->start) % e->step == 0)
				add_one(insn, &entry_count[e->name]);
		}
		for (k = 0; k < nsnaps; k++)
			if (pc == snaps[k].addr)
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_snap,
								       QEMU_PLUGIN_CB_NO_REGS,
								       &snaps[k]);
	}
	for (c = 0; c < N_CLASSES; c++)
		if (per_class[c])
			qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
								 &insns[c], per_class[c]);
}

/* ---- host snapshots over the Unix socket ---- */

/* Labels are one word of a count line: keep [A-Za-z0-9_.:-], map the rest to '_'. */
static void clean_label(const char *in, size_t len, char *label)
{
	size_t i;

	if (len >= LABEL_LEN)
		len = LABEL_LEN - 1;
	for (i = 0; i < len; i++) {
		char ch = in[i];

		label[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			   (ch >= '0' && ch <= '9') || (ch && strchr("_.:-", ch)) ? ch : '_';
	}
	label[len] = 0;
	if (!len)
		strcpy(label, "host");
}

static void serve_client(int fd)
{
	char buf[256], label[LABEL_LEN], reply[1600];
	size_t have = 0;
	ssize_t got;
	char *nl;

	for (;;) {
		got = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return;
		have += got;
		while ((nl = memchr(buf, '\n', have))) {
			clean_label(buf, nl - buf, label);
			take_line(label, reply, sizeof(reply));
			if (write(fd, reply, strlen(reply)) < 0)
				return;
			have -= nl + 1 - buf;
			memmove(buf, nl + 1, have);
		}
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line too long for a label: drop it */
	}
}

/* One client at a time: the benchmark's client, or a shell. */
static void *serve(void *arg)
{
	int fd;

	(void)arg;
	for (;;) {
		fd = accept(sock_fd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		serve_client(fd);
		close(fd);
	}
}

static int open_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pthread_t t;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "ukl-count: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	sock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock_fd < 0 || bind(sock_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(sock_fd, 4) < 0) {
		fprintf(stderr, "ukl-count: socket %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (pthread_create(&t, NULL, serve, NULL)) {
		fprintf(stderr, "ukl-count: cannot start the socket thread\n");
		return -1;
	}
	pthread_detach(t);
	return 0;
}

/* ---- set-up ---- */

static int name_index(const char *name)
{
	int i;

	for (i = 0; i < nnames; i++)
		if (!strcmp(entry_names[i], name))
			return i;
	if (nnames == MAX_NAMES)
		return -1;
	snprintf(entry_names[nnames], NAME_LEN, "%s", name);
	return nnames++;
}

static int read_map(const char *path)
{
	char line[256], word[NAME_LEN], label[LABEL_LEN], cls[16];
	uint64_t a, b, s;
	int lineno = 0, i;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "ukl-count: map %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "range %15s %" SCNx64 " %" SCNx64, cls, &a, &b) == 3) {
			for (i = 0; i < C_USER; i++)
				if (!strcmp(cls, class_names[i]))
					break;
			if (i == C_USER || nranges == MAX_RANGES || b <= a)
				goto bad;
			ranges[nranges++] = (struct range){ a, b, i };
		} else if (sscanf(line, "entry %31s %" SCNx64 " %" SCNx64 " %" SCNx64,
				  word, &a, &b, &s) == 4) {
			if (nentries == MAX_ENTRIES || b <= a || !s || (i = name_index(word)) < 0)
				goto bad;
			entries[nentries++] = (struct entry){ a, b, s, i };
		} else if (sscanf(line, "snap %63s %" SCNx64, label, &a) == 2) {
			if (nsnaps == MAX_SNAPS)
				goto bad;
			snaps[nsnaps].addr = a;
			clean_label(label, strlen(label), snaps[nsnaps].label);
			nsnaps++;
		} else {
			goto bad;
		}
	}
	fclose(f);
	return 0;
bad:
	fprintf(stderr, "ukl-count: %s:%d: bad or one too many: %s", path, lineno, line);
	fclose(f);
	return -1;
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	take_line("exit", NULL, 0);
	pthread_mutex_lock(&line_lock);
	fclose(out);
	out = NULL;
	pthread_mutex_unlock(&line_lock);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *out_path = NULL, *map_path = NULL, *sock_path = NULL;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &started);

	if (!info->system_emulation || strcmp(info->target_name, "x86_64")) {
		fprintf(stderr, "ukl-count: only for qemu-system-x86_64\n");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = strchr(a, '=');

		if (!v)
			goto usage;
		v++;
		if (!strncmp(a, "out=", 4))
			out_path = v;
		else if (!strncmp(a, "map=", 4))
			map_path = v;
		else if (!strncmp(a, "sock=", 5))
			sock_path = v;
		else if (!strncmp(a, "exact=", 6)) {
			if (!qemu_plugin_bool_parse("exact", v, &exact))
				goto usage;
		} else if (!strcmp(a, "mmio=off"))
			mmio_mode = MMIO_OFF;
		else if (!strcmp(a, "mmio=kernel"))
			mmio_mode = MMIO_KERNEL;
		else if (!strcmp(a, "mmio=kernel-all"))
			mmio_mode = MMIO_KERNEL_ALL;
		else if (!strcmp(a, "mmio=all"))
			mmio_mode = MMIO_ALL;
		else if (!strcmp(a, "mmio=check"))
			mmio_mode = MMIO_CHECK;
		else
			goto usage;
	}
	if (!out_path)
		goto usage;
	if (map_path && read_map(map_path) < 0)
		return -1;
	out = fopen(out_path, "w");
	if (!out) {
		fprintf(stderr, "ukl-count: %s: %s\n", out_path, strerror(errno));
		return -1;
	}
	if (sock_path && open_socket(sock_path) < 0)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
usage:
	fprintf(stderr, "ukl-count: arguments: out=FILE [map=FILE] [sock=PATH] "
		"[exact=on|off] [mmio=kernel|kernel-all|all|off|check] (bad: %s)\n",
		i < argc ? argv[i] : "no out=");
	return -1;
}
