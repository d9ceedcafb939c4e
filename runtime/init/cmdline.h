/* Reading the program's arguments and environment from the kernel command line. */
#ifndef UKL_INIT_CMDLINE_H
#define UKL_INIT_CMDLINE_H

#include <stddef.h>

/* A host directory the runner shares with the guest (ukl run -v). */
struct volume {
	char *tag;	/* the virtio-9p device's mount tag */
	char *dir;	/* where it goes in the guest */
	int readonly;
};

struct launch {
	char *prog;	/* path of the program to start; "/app" unless ukl.prog= */
	char **argv;	/* NULL-terminated; argv[0] is prog */
	char **envp;	/* NULL-terminated */
	struct volume *volumes;	/* in command-line order */
	size_t nvolumes;
	unsigned mem_report;	/* ukl.mem_report=SECONDS: print memory use; 0 = off */
};

/*
 * Parse the kernel command line: ukl.prog=PATH, ukl.arg=WORD (repeated, in
 * order), ukl.env=KEY=VALUE (repeated; a later KEY replaces an earlier),
 * ukl.mount=TAG:ro|rw:DIR (repeated) and ukl.mem_report=SECONDS (1 to
 * 86400). ukl package bakes ukl.default_arg=WORD and ukl.default_env=
 * KEY=VALUE into the kernel's built-in command line, which comes first:
 * the default arguments are used only if no ukl.arg is given, and
 * ukl.env overrides a default of the same KEY. Words are percent-encoded
 * by the runner, so any byte survives the kernel's own parser. Returns 0,
 * or -1 with a message on stderr.
 */
int parse_cmdline(const char *cmdline, struct launch *out);

/* Decode %XX escapes in place; returns -1 on a malformed escape. */
int percent_decode(char *s);

#endif
