/* malloc from 16 bytes to 256 MiB (every byte written and checked), and
 * mmap/mprotect/munmap. Needs -m 1G. Exits 0 and prints "memory: ok". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static int check_block(size_t size)
{
	unsigned char *p = malloc(size);

	if (!p) {
		printf("memory: malloc(%zu) failed\n", size);
		return 1;
	}
	for (size_t i = 0; i < size; i += 512)
		p[i] = (unsigned char)(i / 512);
	p[size - 1] = 0x5a;
	for (size_t i = 0; i < size; i += 512)
		if (p[i] != (unsigned char)(i / 512)) {
			printf("memory: malloc(%zu) lost data\n", size);
			return 1;
		}
	if (p[size - 1] != 0x5a)
		return 1;
	free(p);
	return 0;
}

int main(void)
{
	size_t size;
	char *m;

	for (size = 16; size <= (256UL << 20); size *= 4)
		if (check_block(size))
			return 1;
	printf("memory: malloc 16 B .. 256 MiB\n");

	m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	memset(m, 7, 1 << 20);
	if (mprotect(m, 1 << 20, PROT_READ) || m[12345] != 7) {
		printf("memory: mprotect failed\n");
		return 1;
	}
	if (munmap(m, 1 << 20)) {
		printf("memory: munmap failed\n");
		return 1;
	}
	printf("memory: mmap, mprotect, munmap\n");
	printf("memory: ok\n");
	return 0;
}
