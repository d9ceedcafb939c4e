/*
 * Debian's prebuilt libz.a (zlib1g-dev), linked as it is: compresses and
 * decompresses 4 MiB of varied data at several levels and checks the
 * round trip and the CRC. Prints "zlib: ok" and exits 0 on success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SIZE (4u << 20)

static void fill(unsigned char *buf, size_t n)
{
	unsigned long x = 12345;
	size_t i;

	/* Half text-like (compressible), half noise. */
	for (i = 0; i < n; i++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		buf[i] = (i / 4096) % 2 ? (unsigned char)(x >> 56)
					: (unsigned char)("unikernel linux "[i % 16]);
	}
}

int main(void)
{
	unsigned char *in = malloc(SIZE), *out = malloc(SIZE);
	uLongf packed_len = compressBound(SIZE), out_len;
	unsigned char *packed = malloc(packed_len);
	int level, rc;

	if (!in || !out || !packed)
		return 2;
	fill(in, SIZE);
	for (level = 1; level <= 9; level += 4) {
		packed_len = compressBound(SIZE);
		rc = compress2(packed, &packed_len, in, SIZE, level);
		if (rc != Z_OK) {
			printf("zlib: compress2 level %d: %d\n", level, rc);
			return 1;
		}
		out_len = SIZE;
		rc = uncompress(out, &out_len, packed, packed_len);
		if (rc != Z_OK || out_len != SIZE || memcmp(in, out, SIZE) != 0) {
			printf("zlib: round trip at level %d failed (%d)\n", level, rc);
			return 1;
		}
		printf("zlib: level %d: %u -> %lu bytes\n", level, SIZE, (unsigned long)packed_len);
	}
	printf("zlib: crc32 %08lx\n", crc32(0, in, SIZE));
	printf("zlib: version %s ok\n", zlibVersion());
	return 0;
}
