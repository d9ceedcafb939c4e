/*
 * 128-bit integer division and long double math: libgcc's __divti3 and
 * __udivmodti4 and libm's x87 long double code keep data in the red zone,
 * so they run in ring 0 only because no interrupt pushes its frame there.
 * Checks results against values known exactly, prints them, and exits 0
 * only if all were right.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void check(const char *what, int ok)
{
	printf("wide_math: %s %s\n", what, ok ? "ok" : "WRONG");
	if (!ok)
		failures++;
}

/* Printed in decimal: printf has no conversion for __int128. */
static void u128_to_string(unsigned __int128 v, char *out)
{
	char buf[48];
	int n = 0;

	do {
		buf[n++] = '0' + (int)(v % 10);
		v /= 10;
	} while (v);
	while (n)
		*out++ = buf[--n];
	*out = '\0';
}

int main(int argc, char **argv)
{
	/* Values the compiler cannot fold: they depend on argc. */
	volatile unsigned __int128 big = ((unsigned __int128)0x0123456789abcdefULL << 64 |
					  0xfedcba9876543210ULL) + (argc - 1);
	volatile __int128 neg = -(__int128)big / 7;
	volatile long double two = 2.0L + (argc - 1), third = 1.0L / 3;
	unsigned __int128 q = big / 1000000007u, r = big % 1000000007u;
	char text[48];

	(void)argv;
	u128_to_string(big, text);
	check("u128 decimal", strcmp(text, "1512366075204170947332355369683137040") == 0);
	check("u128 divide", q * 1000000007u + r == big && r < 1000000007u);
	check("i128 signed divide", neg * 7 + (-(__int128)big % 7) == -(__int128)big);
	check("sqrtl(2)", fabsl(sqrtl(two) * sqrtl(two) - 2.0L) < 1e-18L);
	check("expl(logl(3))", fabsl(expl(logl(3.0L + (argc - 1))) - 3.0L) < 1e-17L);
	check("powl(2, 64)", powl(two, 64) == 18446744073709551616.0L);
	check("ceill", ceill(2.5L + (argc - 1)) == 3.0L && floorl(-2.5L) == -3.0L);
	check("fmodl", fmodl(10.0L, third) < third);
	check("fminl/fmaxl", fminl(two, third) == third && fmaxl(two, third) == two);
	snprintf(text, sizeof(text), "%.18Lf", third);
	check("printf %Lf", strcmp(text, "0.333333333333333333") == 0);
	printf("wide_math: %s\n", failures ? "FAILED" : "all ok");
	return failures != 0;
}
