/*
 * kemu guest SDK -- NetBSD 10.  <sys/param.h>: system parameters.
 *
 * Provenance: NetBSD 10 sys/sys/param.h.  __NetBSD_Version__ is the 10.0
 * release's 1000000000 (MMmmrrpp00: major 10, minor 0); kern_module.c's
 * module_compatible() accepts a module whose mi_version differs from it by
 * less than 10000 on a release kernel (same major.minor).  The build
 * defines it (-D__NetBSD_Version__=...) only if the source has not.
 */
#ifndef _SYS_PARAM_H_
#define	_SYS_PARAM_H_

#ifndef __NetBSD_Version__
#define	__NetBSD_Version__	1000000000	/* NetBSD 10.0 */
#endif
#define	__NetBSD_Prereq__(M, m, p) (((((M) * 100000000) + \
    (m) * 1000000) + (p) * 100) <= __NetBSD_Version__)
#define	NetBSD			199905
#define	BSD			199506
#define	BSD4_3			1
#define	BSD4_4			1

#include <sys/types.h>
#include <sys/inttypes.h>

#define	MAXCOMLEN	16
#define	MAXINTERP	PATH_MAX
#define	MAXLOGNAME	16
#define	MAXHOSTNAMELEN	256
#define	MAXPATHLEN	1024
#define	PATH_MAX	1024
#define	NOFILE		3404
#define	NBBY		8
#define	NBPG		4096
#define	PAGE_SIZE	4096
#define	PAGE_SHIFT	12
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	DEV_BSHIFT	9
#define	DEV_BSIZE	(1 << DEV_BSHIFT)
#define	CHAR_BIT	8
#define	ALIGNBYTES	(sizeof(long) - 1)
#define	ALIGN(p)	(((uintptr_t)(p) + ALIGNBYTES) & ~ALIGNBYTES)

#define	PRIMASK		0x0ff
#define	PCATCH		0x100

#define	setbit(a, i)	((a)[(i)/NBBY] |= 1<<((i)%NBBY))
#define	clrbit(a, i)	((a)[(i)/NBBY] &= ~(1<<((i)%NBBY)))
#define	isset(a, i)	((a)[(i)/NBBY] & (1<<((i)%NBBY)))
#define	isclr(a, i)	(((a)[(i)/NBBY] & (1<<((i)%NBBY))) == 0)

#define	howmany(x, y)	(((x)+((y)-1))/(y))
#define	roundup(x, y)	((((x)+((y)-1))/(y))*(y))
#define	rounddown(x, y)	(((x)/(y))*(y))
#define	roundup2(x, m)	(((x) + (m) - 1) & ~((m) - 1))
#define	powerof2(x)	((((x)-1)&(x))==0)

#define	MIN(a, b)	((/*CONSTCOND*/(a)<(b))?(a):(b))
#define	MAX(a, b)	((/*CONSTCOND*/(a)>(b))?(a):(b))

#endif /* !_SYS_PARAM_H_ */
