/*
 * A wild jump by the program: a call through a garbage pointer (unmapped
 * user-half, non-canonical, or into a page that is not executable) or a
 * return to a smashed address. A process dies of SIGSEGV; so must the UKL
 * program, with no kernel oops: its fault is taken with RIP outside its
 * own text, and only its stack tells that it was the application.
 *
 *   wild_jump unmapped|noncanonical|data|smashed-return
 */
#include <stdio.h>
#include <string.h>

typedef void (*func)(void);

static unsigned char not_code[64] = { 0xc3 };	/* a "ret", in .data */

static void __attribute__((noinline)) smash_return(void)
{
	volatile unsigned long *slot = __builtin_frame_address(0);

	/* The saved return address sits just above the saved frame pointer. */
	slot[1] = 0x00007f0000badbadUL;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "unmapped";
	func target;

	printf("wild_jump: %s\n", how);
	fflush(stdout);
	if (strcmp(how, "unmapped") == 0)
		target = (func)0x0000100000000000UL;
	else if (strcmp(how, "noncanonical") == 0)
		target = (func)0x8000000000001000UL;
	else if (strcmp(how, "data") == 0)
		target = (func)not_code;
	else {
		smash_return();
		return 0;
	}
	target();
	return 0;
}
