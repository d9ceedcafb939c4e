/*
 * Registers the program's unwind tables (.eh_frame) with libgcc's
 * unwinder, so that C++ exceptions and pthread_exit can unwind.
 *
 * A normal static program's unwinder finds them through its program
 * headers (dl_iterate_phdr, _dl_find_object), but a UKL program's only
 * program header is the one for TLS that the kernel makes up. So the
 * tables are handed over explicitly; toolchain/app.lds puts them between
 * __ukl_eh_frame_start and __ukl_eh_frame_end.
 *
 * They are not one table: "ld -r" copies each object's .eh_frame as it
 * is, and where one's size is not a multiple of the next one's alignment
 * it pads with zeros, which the unwinder reads as the end of the table.
 * So this finds every run of entries between zeros and registers the
 * list of runs (__register_frame_info_table takes a NULL-terminated array
 * of zero-terminated tables).
 *
 * The reference to libgcc is weak: a program that does not contain the
 * unwinder does not get it for this. (Most C programs contain it anyway:
 * glibc's stdio unwinds when a thread is cancelled.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern const char __ukl_eh_frame_start[], __ukl_eh_frame_end[];

void __register_frame_info_table(const void *runs, void *object) __attribute__((weak));

/* libgcc's struct object: six pointers in GCC 12; room to spare. */
static void *frame_object[16];

/*
 * The list of runs, NULL-terminated. Programs seen so far have two runs
 * (crt1.o's .eh_frame has an odd size); more than fit here come from
 * calloc.
 */
static const char *few_runs[32];

/*
 * find_runs: the number of runs of entries, and their starts in runs[]
 * unless runs is NULL.
 */
static size_t find_runs(const char **runs)
{
	const char *p = __ukl_eh_frame_start;
	size_t n = 0;
	int in_run = 0;

	while (p + 4 <= __ukl_eh_frame_end) {
		uint32_t length;
		uint64_t length64;

		memcpy(&length, p, 4);
		if (length == 0) {		/* padding, or crtendS.o's end mark */
			in_run = 0;
			p += 4;
			continue;
		}
		if (!in_run) {
			if (runs)
				runs[n] = p;
			n++;
			in_run = 1;
		}
		if (length == 0xffffffff) {	/* a 64-bit length follows */
			memcpy(&length64, p + 4, 8);
			p += 12 + length64;
		} else {
			p += 4 + (uint64_t)length;
		}
	}
	return n;
}

static void register_frames(void)
{
	const char **runs;
	size_t n;

	if (!__register_frame_info_table)
		return;
	n = find_runs(NULL);
	runs = few_runs;
	if (n + 1 > sizeof(few_runs) / sizeof(few_runs[0])) {
		runs = calloc(n + 1, sizeof(*runs));	/* kept: libgcc reads it later */
		if (!runs)
			return;
	}
	find_runs(runs);
	__register_frame_info_table(runs, frame_object);
}

/*
 * From .preinit_array: before any constructor, which may already throw
 * (and catch) an exception.
 */
__attribute__((section(".preinit_array"), used))
static void (*register_frames_entry)(void) = register_frames;
