/* Reports the privilege level it runs at (CPL, the low bits of %cs) and
 * where main lies: UKL runs it in ring 0 inside the kernel image. */
#include <stdio.h>

int main(void)
{
	unsigned short cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	printf("cpl=%d\n", cs & 3);
	printf("main=%p\n", (void *)main);
	return 0;
}
