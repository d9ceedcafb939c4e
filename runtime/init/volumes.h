/* Mounting the host directories the runner shares with the guest. */
#ifndef UKL_INIT_VOLUMES_H
#define UKL_INIT_VOLUMES_H

#include "cmdline.h"

/*
 * Parse one ukl.mount= value (decoded): "TAG:ro:DIR" or "TAG:rw:DIR".
 * Points into s, which it changes. Returns 0, or -1 if malformed.
 */
int parse_volume(char *s, struct volume *out);

/*
 * Mount each volume, in order, as 9p over virtio, creating its directory
 * (and the parents) first. Returns 0, or -1 with a message on stderr.
 */
int mount_volumes(const struct volume *volumes, size_t n);

#endif
