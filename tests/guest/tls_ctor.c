/* Thread-local data in several threads, constructors before main, atexit
 * handlers at exit. Prints "tls_ctor: ok" and exits 0 when all hold. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static __thread int counter = 100;	/* .tdata */
static __thread char scratch[64];	/* .tbss */
static int constructed;

__attribute__((constructor)) static void before_main(void)
{
	constructed = 42;
}

static void at_exit(void)
{
	printf("tls_ctor: atexit handler ran\n");
}

static void *worker(void *arg)
{
	long id = (long)arg;

	if (counter != 100 || scratch[0] != 0)
		return (void *)1;
	for (int i = 0; i < 1000; i++)
		counter += id;
	scratch[0] = (char)id;
	return counter == 100 + 1000 * id && scratch[0] == id ? NULL : (void *)1;
}

int main(void)
{
	pthread_t t[4];
	void *res;
	int bad = 0;

	if (constructed != 42) {
		printf("tls_ctor: constructor did not run\n");
		return 1;
	}
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &res);
		bad += res != NULL;
	}
	if (bad || counter != 100) {
		printf("tls_ctor: thread-local data shared or lost (%d)\n", bad);
		return 1;
	}
	atexit(at_exit);
	printf("tls_ctor: ok\n");
	return 0;
}
