/*
 * Host directories shared with the guest (ukl run -v HOSTDIR:GUESTDIR[:ro]).
 * The runner gives each one a virtio-9p device with its own mount tag and
 * names them on the kernel command line; ukl-init mounts them before the
 * program starts, so the program finds them like any other directory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "volumes.h"

/*
 * 9P2000.L is the dialect with Linux's file semantics (modes, owners,
 * rename, locks); QEMU's local backend speaks it. The default cache=none
 * sends every operation to the host, so host and guest never disagree
 * about a file's contents.
 */
#define NINEP_OPTIONS "trans=virtio,version=9p2000.L"

int parse_volume(char *s, struct volume *out)
{
	char *mode = strchr(s, ':'), *dir;

	if (!mode)
		return -1;
	*mode++ = '\0';
	dir = strchr(mode, ':');
	if (!dir)
		return -1;
	*dir++ = '\0';
	if (strcmp(mode, "ro") == 0)
		out->readonly = 1;
	else if (strcmp(mode, "rw") == 0)
		out->readonly = 0;
	else
		return -1;
	if (!*s || dir[0] != '/')
		return -1;
	out->tag = s;
	out->dir = dir;
	return 0;
}

/* mkdir -p: the guest's root is the initramfs, where nothing else made it. */
static int make_dirs(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char end = *p;

		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = end;
		if (end == '\0')
			return 0;
	}
}

int mount_volumes(const struct volume *volumes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct volume *v = &volumes[i];
		unsigned long flags = v->readonly ? MS_RDONLY : 0;

		if (make_dirs(v->dir) < 0) {
			fprintf(stderr, "ukl-init: cannot create %s for a shared directory: %s\n",
				v->dir, strerror(errno));
			return -1;
		}
		if (mount(v->tag, v->dir, "9p", flags, NINEP_OPTIONS) < 0) {
			fprintf(stderr, "ukl-init: cannot mount the shared directory %s (9p tag %s): %s\n",
				v->dir, v->tag, strerror(errno));
			return -1;
		}
	}
	return 0;
}
