/* FNV-1a, 64 bits: the offset basis and prime are the published ones. */
#include "kvd_hash.h"

uint64_t kvd_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}
