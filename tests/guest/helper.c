/* A normal program that a UKL application starts: reports its privilege
 * level and first argument, and exits with 5. */
#include <stdio.h>

int main(int argc, char **argv)
{
	unsigned short cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	printf("helper: cpl=%d arg=%s\n", cs & 3, argc > 1 ? argv[1] : "");
	return 5;
}
