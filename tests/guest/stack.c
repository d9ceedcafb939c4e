/* Stack growth: recursion 4 MiB deep in main, and 8 MiB deep in a thread
 * with a 16 MiB stack. Exits 0 and prints "stack: ok". */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define FRAME 1024

/* Each level keeps a 1 KiB buffer live, so depth * 1 KiB of stack is used. */
static unsigned long recurse(unsigned long depth)
{
	volatile char buf[FRAME];

	memset((char *)buf, (int)depth, sizeof(buf));
	if (depth == 0)
		return buf[0];
	return recurse(depth - 1) + buf[FRAME - 1];
}

static void *deep(void *arg)
{
	unsigned long depth = (unsigned long)arg;

	return (void *)recurse(depth);
}

int main(void)
{
	pthread_attr_t attr;
	pthread_t t;
	void *res;

	recurse(4 * 1024);	/* 4 MiB in the main thread */
	printf("stack: 4 MiB deep in main\n");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 16 << 20);
	if (pthread_create(&t, &attr, deep, (void *)(8UL * 1024))) {
		printf("stack: pthread_create failed\n");
		return 1;
	}
	pthread_join(t, &res);
	printf("stack: 8 MiB deep in a thread\n");
	printf("stack: ok\n");
	return 0;
}
