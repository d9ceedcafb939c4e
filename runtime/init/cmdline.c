/* Kernel command line -> program path, argv and envp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "volumes.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int percent_decode(char *s)
{
	char *out = s;
	int hi, lo;

	while (*s) {
		if (*s != '%') {
			*out++ = *s++;
			continue;
		}
		hi = hexval((unsigned char)s[1]);
		lo = hi < 0 ? -1 : hexval((unsigned char)s[2]);
		if (lo < 0)
			return -1;
		*out++ = (char)(hi * 16 + lo);
		s += 3;
	}
	*out = '\0';
	return 0;
}

static int push(char ***vec, size_t *len, char *item)
{
	char **grown = realloc(*vec, (*len + 2) * sizeof(char *));

	if (!grown)
		return -1;
	grown[(*len)++] = item;
	grown[*len] = NULL;
	*vec = grown;
	return 0;
}

static int push_volume(struct launch *out, char *value)
{
	struct volume v, *grown;

	if (parse_volume(value, &v) < 0) {
		fputs("ukl-init: bad ukl.mount= on the kernel command line (want TAG:ro|rw:/DIR)\n",
		      stderr);
		return -1;
	}
	grown = realloc(out->volumes, (out->nvolumes + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	grown[out->nvolumes++] = v;
	out->volumes = grown;
	return 0;
}

/*
 * Add KEY=VALUE to the environment; a later entry for the same KEY
 * replaces the earlier one in its place, so that what is given at boot
 * overrides what ukl package baked into the image, and the last -e wins,
 * as with docker run -e.
 */
static int set_env(char ***env, size_t *len, char *item)
{
	size_t keylen = strcspn(item, "=");

	for (size_t i = 0; i < *len; i++) {
		if (strncmp((*env)[i], item, keylen) == 0 && (*env)[i][keylen] == '=') {
			(*env)[i] = item;
			return 0;
		}
	}
	return push(env, len, item);
}

/* Split at spaces; the runner never puts a raw space inside a word. */
int parse_cmdline(const char *cmdline, struct launch *out)
{
	char *copy = strdup(cmdline), *word, *save = NULL;
	char **args = NULL, **env = NULL, **baked_args = NULL;
	size_t nargs = 0, nenv = 0, nbaked = 0;

	if (!copy)
		return -1;
	out->prog = "/app";
	out->volumes = NULL;
	out->nvolumes = 0;
	out->mem_report = 0;
	for (word = strtok_r(copy, " \t\n", &save); word;
	     word = strtok_r(NULL, " \t\n", &save)) {
		char *value;

		if (strcmp(word, "--") == 0)
			break;	/* what follows belongs to init's argv */
		if (strncmp(word, "ukl.", 4) != 0)
			continue;
		value = strchr(word, '=');
		if (!value)
			continue;
		*value++ = '\0';
		if (percent_decode(value) < 0) {
			fprintf(stderr, "ukl-init: bad escape in %s=\n", word);
			return -1;
		}
		if (strcmp(word, "ukl.prog") == 0)
			out->prog = value;
		else if (strcmp(word, "ukl.arg") == 0) {
			if (push(&args, &nargs, value) < 0)
				return -1;
		} else if (strcmp(word, "ukl.default_arg") == 0) {
			if (push(&baked_args, &nbaked, value) < 0)
				return -1;
		} else if (strcmp(word, "ukl.env") == 0 ||
			   strcmp(word, "ukl.default_env") == 0) {
			if (set_env(&env, &nenv, value) < 0)
				return -1;
		} else if (strcmp(word, "ukl.mount") == 0) {
			if (push_volume(out, value) < 0)
				return -1;
		} else if (strcmp(word, "ukl.mem_report") == 0) {
			char *end;
			unsigned long s = strtoul(value, &end, 10);

			if (end == value || *end || s < 1 || s > 86400) {
				fputs("ukl-init: bad ukl.mem_report= (want 1 to 86400 seconds)\n",
				      stderr);
				return -1;
			}
			out->mem_report = s;
		}
	}
	/* Arguments given at boot replace the baked ones as a whole. */
	if (nargs == 0) {
		free(args);
		args = baked_args;
		nargs = nbaked;
	} else {
		free(baked_args);
	}
	out->argv = calloc(nargs + 2, sizeof(char *));
	if (!out->argv)
		return -1;
	out->argv[0] = out->prog;
	if (nargs)
		memcpy(out->argv + 1, args, nargs * sizeof(char *));
	out->envp = env ? env : calloc(1, sizeof(char *));
	free(args);
	return out->envp ? 0 : -1;
}
