/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/param.h>: system parameters, and the NetBSD version test.
 *
 * Provenance: NetBSD 1.6 sys/sys/param.h.  __NetBSD_Version__ is defined
 * here in NetBSD as MMmmrrpp00 (106000000 = 1.6.0); code like the fibo
 * tutorial tests it to choose between the 1.6 and 1.6H+ LKM interfaces.
 * `kemu cc` also passes -D__NetBSD_Version__=106000000.  Like 4.4BSD's
 * param.h, this one pulls in <sys/types.h>, <sys/errno.h> and <sys/uio.h>,
 * which 1.6-era drivers rely on.  Sleep priorities and PCATCH are the NetBSD
 * values tsleep(9) takes.
 */
#ifndef _SYS_PARAM_H_
#define	_SYS_PARAM_H_

#define	BSD	199506		/* System version (year & month). */
#define	BSD4_3	1
#define	BSD4_4	1

#ifndef __NetBSD_Version__
#define	__NetBSD_Version__	106000000	/* NetBSD 1.6 */
#endif
#define	NetBSD	199905		/* NetBSD version (year & month). */

#include <sys/types.h>
#include <sys/errno.h>
#include <sys/uio.h>
#include <machine/param.h>

#define	NBBY		8		/* number of bits in a byte */
#define	MAXCOMLEN	16		/* max command name remembered */
#define	MAXPATHLEN	1024		/* max bytes in pathname */
#define	MAXHOSTNAMELEN	256		/* max hostname size */
#define	NODEV		(dev_t)(-1)	/* non-existent device */

/* Priorities for tsleep(); PCATCH/PNORELOCK are or'ed in. */
#define	PSWP		0
#define	PVM		4
#define	PINOD		8
#define	PRIBIO		16
#define	PVFS		20
#define	PZERO		22		/* No longer magic, shouldn't be here. */
#define	PSOCK		24
#define	PWAIT		32
#define	PLOCK		36
#define	PPAUSE		40
#define	PUSER		50
#define	MAXPRI		127		/* Priorities range from 0 through MAXPRI. */
#define	PRIMASK		0x0ff
#define	PCATCH		0x100		/* OR'd with pri for tsleep to check signals */
#define	PNORELOCK	0x200		/* OR'd with pri for ltsleep: don't relock */

/* Bit map related macros. */
#define	setbit(a, i)	((a)[(i)/NBBY] |= 1<<((i)%NBBY))
#define	clrbit(a, i)	((a)[(i)/NBBY] &= ~(1<<((i)%NBBY)))
#define	isset(a, i)	((a)[(i)/NBBY] & (1<<((i)%NBBY)))
#define	isclr(a, i)	(((a)[(i)/NBBY] & (1<<((i)%NBBY))) == 0)

/* Macros for counting and rounding. */
#define	howmany(x, y)	(((x)+((y)-1))/(y))
#define	roundup(x, y)	((((x)+((y)-1))/(y))*(y))
#define	rounddown(x, y)	(((x)/(y))*(y))
#define	powerof2(x)	((((x)-1)&(x))==0)

/* Macros for min/max. */
#define	MIN(a, b)	(((a)<(b))?(a):(b))
#define	MAX(a, b)	(((a)>(b))?(a):(b))

#endif /* !_SYS_PARAM_H_ */
