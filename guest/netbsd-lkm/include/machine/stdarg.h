/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <machine/stdarg.h>: variable argument lists for kernel printf-style code.
 *
 * Provenance: NetBSD kernels take va_list from <machine/stdarg.h>; here it
 * maps straight onto the compiler builtins, which is what GCC's and Clang's
 * own <stdarg.h> do, so no host header is needed (the SDK builds -nostdinc).
 */
#ifndef _MACHINE_STDARG_H_
#define	_MACHINE_STDARG_H_

typedef	__builtin_va_list	va_list;

#define	va_start(ap, last)	__builtin_va_start((ap), last)
#define	va_arg(ap, type)	__builtin_va_arg((ap), type)
#define	va_copy(dst, src)	__builtin_va_copy((dst), (src))
#define	va_end(ap)		__builtin_va_end(ap)

#endif /* !_MACHINE_STDARG_H_ */
