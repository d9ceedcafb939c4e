/*
 * __sfp_handle_exceptions for UKL applications.
 *
 * libgcc's soft-float routines (which glibc's _Float128 code pulls in)
 * raise floating-point exceptions through this helper, and Debian's
 * libgcc.a builds it with the red zone, which code running in ring 0
 * must not use. This version is compiled with -mno-red-zone and raises
 * the same exceptions through glibc's own feraiseexcept.
 */
#include <fenv.h>

#define SFP_EX_DENORM 0x02	/* x87 denormal operand, not in FE_ALL_EXCEPT */

void __sfp_handle_exceptions(int exceptions);

void __sfp_handle_exceptions(int exceptions)
{
	if (exceptions & SFP_EX_DENORM) {
		struct {
			unsigned short control, pad1, status, pad2;
			unsigned int rest[5];
		} env;

		__asm__ __volatile__("fnstenv %0" : "=m"(env));
		env.status |= SFP_EX_DENORM;
		__asm__ __volatile__("fldenv %0\n\tfwait" : : "m"(env));
	}
	feraiseexcept(exceptions & FE_ALL_EXCEPT);
}
