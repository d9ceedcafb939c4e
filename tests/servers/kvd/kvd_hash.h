/* The C half of kvd: a 64-bit FNV-1a hash of a byte string. */
#ifndef KVD_HASH_H
#define KVD_HASH_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
uint64_t kvd_hash(const void *data, size_t len);
#ifdef __cplusplus
}
#endif
#endif
