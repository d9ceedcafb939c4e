/* Never exits: the runner's --timeout must stop the VM. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("sleeping forever\n");
	fflush(stdout);
	for (;;)
		pause();
}
