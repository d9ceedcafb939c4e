/* Dies of SIGSEGV: the host must see 128 + 11 = 139. */
#include <stdio.h>

int main(void)
{
	volatile int *null = NULL;

	printf("about to dereference NULL\n");
	fflush(stdout);
	return *null;
}
