/*
 * The system call entry of a specialized UKL image (ukl-gcc --specialize).
 *
 * ukl-gcc renames the program's calls of __ukl_syscall to
 * __ukl_specialized_syscall. A call whose number is in the set the
 * analysis found (__ukl_kept_syscalls, a bitmap that scripts/specialize.sh
 * writes for each program) goes on to the kernel unchanged. Any other call
 * returns -ENOSYS, as Linux answers for what its configuration leaves out,
 * and the first such call of each number writes one line that names it,
 * so that a user sees which call to keep.
 *
 * Registers: those of the syscall instruction. The number is in %rax, the
 * arguments in %rdi, %rsi, %rdx, %r10, %r8, %r9, and only %rax, %rcx and
 * %r11 may change. The callers are glibc's inline assembly, which does not
 * align the stack for a call: the refusal aligns it before entering C.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>

#define UKL_SYSCALL_LIMIT 512

extern const unsigned long __ukl_kept_syscalls[UKL_SYSCALL_LIMIT / 64];
extern const char *const __ukl_syscall_names[UKL_SYSCALL_LIMIT];

long __ukl_specialized_refuse(unsigned long nr);

__asm__(
	"	.text\n"
	"	.globl __ukl_specialized_syscall\n"
	"	.type __ukl_specialized_syscall, @function\n"
	"__ukl_specialized_syscall:\n"
	"	cmpq $512, %rax\n"
	"	jae 1f\n"
	"	btq %rax, __ukl_kept_syscalls(%rip)\n"
	"	jnc 1f\n"
	"	jmp __ukl_syscall\n"
	"1:	pushq %rdi\n"
	"	pushq %rsi\n"
	"	pushq %rdx\n"
	"	pushq %r8\n"
	"	pushq %r9\n"
	"	pushq %r10\n"
	"	pushq %rbp\n"
	"	movq %rsp, %rbp\n"
	"	andq $-16, %rsp\n"
	"	movq %rax, %rdi\n"
	"	call __ukl_specialized_refuse\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp\n"
	"	popq %r10\n"
	"	popq %r9\n"
	"	popq %r8\n"
	"	popq %rdx\n"
	"	popq %rsi\n"
	"	popq %rdi\n"
	"	ret\n"
	"	.size __ukl_specialized_syscall, . - __ukl_specialized_syscall\n");

/* A kept system call, straight to the kernel (never refused). */
static long kernel_call3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("call __ukl_syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static unsigned long noted[UKL_SYSCALL_LIMIT / 64];

static char *append(char *p, const char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

static char *append_number(char *p, const char *end, unsigned long n)
{
	char digits[24];
	int i = 0;

	do {
		digits[i++] = '0' + n % 10;
		n /= 10;
	} while (n);
	while (i && p < end)
		*p++ = digits[--i];
	return p;
}

long __ukl_specialized_refuse(unsigned long nr)
{
	char line[256], *p = line, *end = line + sizeof(line) - 1;
	const char *name = nr < UKL_SYSCALL_LIMIT ? __ukl_syscall_names[nr] : 0;
	unsigned long bit = 1UL << (nr % 64);
	int fd;

	if (nr < UKL_SYSCALL_LIMIT &&
	    __atomic_fetch_or(&noted[nr / 64], bit, __ATOMIC_RELAXED) & bit)
		return -ENOSYS;
	p = append(p, end, "ukl: system call ");
	p = append(p, end, name ? name : "?");
	p = append(p, end, " (");
	p = append_number(p, end, nr);
	p = append(p, end, ") is not in this specialized image: ENOSYS");
	if (name) {
		p = append(p, end, " (ukl-gcc --specialize-keep=");
		p = append(p, end, name);
		p = append(p, end, " keeps it)");
	}
	*p++ = '\n';
	/* The program's standard error is the console; if it is closed or
	 * cannot be written, the kernel log is. */
	if (kernel_call3(SYS_write, 2, (long)line, p - line) < 0) {
		fd = kernel_call3(SYS_openat, AT_FDCWD, (long)"/dev/kmsg",
				  O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			kernel_call3(SYS_write, fd, (long)line, p - line);
			kernel_call3(SYS_close, fd, 0, 0);
		}
	}
	return -ENOSYS;
}
