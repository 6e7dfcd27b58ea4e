/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/cdefs.h>: the declaration helpers the other headers and 1.6-era
 * sources use.
 *
 * Provenance: the macro names and meanings (__P, __BEGIN_DECLS, __CONCAT,
 * __STRING, __dead, __KERNEL_RCSID) are those of NetBSD 1.x <sys/cdefs.h>;
 * only the subset an LKM needs is provided, written for GCC/Clang (ANSI C).
 * __KERNEL_RCSID expands to nothing: the real one only plants an ident string.
 */
#ifndef _SYS_CDEFS_H_
#define	_SYS_CDEFS_H_

#define	__P(protos)		protos		/* ANSI prototypes */
#define	__CONCAT(x, y)		x ## y
#define	__STRING(x)		#x

#define	__BEGIN_DECLS
#define	__END_DECLS

#define	__dead			__attribute__((__noreturn__))
#define	__unused		__attribute__((__unused__))
#define	__packed		__attribute__((__packed__))
#define	__aligned(x)		__attribute__((__aligned__(x)))
#define	__inline		inline

#define	__KERNEL_RCSID(n, s)	/* ident string; not needed by kemu */

#endif /* !_SYS_CDEFS_H_ */
