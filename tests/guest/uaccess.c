/* System calls whose kernel side reads or writes single words of the
 * caller's memory with get_user() and put_user(), pointed at static data.
 * As a UKL program that data lies in the kernel half, where only the
 * application's tasks may point the kernel; as a process it is ordinary
 * user memory. Both print "uaccess: ok".
 *
 * With "kernel-pointer" it instead passes an address in the kernel's own
 * half to a normal process's capget(), whose get_user() must fail with
 * EFAULT: the test the UKL kernel adds for its application, on the path
 * where the range check has failed, must not let anybody else through. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct __user_cap_header_struct cap_header = {
	.version = _LINUX_CAPABILITY_VERSION_3,
};
static struct __user_cap_data_struct cap_data[2];
static char *const exec_argv[] = { "/no/such/program", "one", NULL };
static char *const exec_envp[] = { "K=V", NULL };
static int sv[2];
static int pending;
static unsigned int cpu = ~0u, node = ~0u;
static void *robust_head;
static size_t robust_len;

#define CHECK(cond, what)                                                    \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("uaccess: %s failed: %s\n", what,             \
			       strerror(errno));                             \
			return 1;                                            \
		}                                                            \
	} while (0)

static int kernel_pointer(void)
{
	void *kernel_address = (void *)0xffffffff81000000ul;
	long rc = syscall(SYS_capget, kernel_address, cap_data);

	CHECK(rc == -1 && errno == EFAULT, "capget of a kernel address");
	printf("uaccess: kernel pointer refused\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "kernel-pointer") == 0)
		return kernel_pointer();

	/* capget: get_user() of the header's version and pid (4 bytes) */
	CHECK(syscall(SYS_capget, &cap_header, cap_data) == 0, "capget");
	CHECK(cap_data[0].effective & (1u << CAP_SYS_ADMIN), "capget value");

	/* execve counts argv and envp with get_user() of each pointer (8
	 * bytes) before it looks for the file: ENOENT, not EFAULT */
	CHECK(syscall(SYS_execve, exec_argv[0], exec_argv, exec_envp) == -1 &&
	      errno == ENOENT, "execve of a missing file");

	/* FIONREAD: put_user() of an int */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(write(sv[1], "12345", 5) == 5, "write");
	CHECK(ioctl(sv[0], FIONREAD, &pending) == 0, "ioctl FIONREAD");
	CHECK(pending == 5, "FIONREAD value");

	/* getcpu by system call (not the vDSO's): put_user() of 4 bytes */
	CHECK(syscall(SYS_getcpu, &cpu, &node, NULL) == 0, "getcpu");
	CHECK(cpu < 64 && node < 64, "getcpu values");

	/* get_robust_list: put_user() of a pointer and a size_t (8 bytes) */
	CHECK(syscall(SYS_get_robust_list, 0, &robust_head, &robust_len) == 0,
	      "get_robust_list");
	CHECK(robust_head != NULL && robust_len > 0, "robust list values");

	printf("uaccess: pending %d, cpu %u, robust list %zu bytes\n", pending,
	       cpu, robust_len);
	printf("uaccess: ok\n");
	return 0;
}
