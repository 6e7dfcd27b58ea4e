/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/param.h>.
 *
 * The release this SDK reproduces: FreeBSD 14.3-RELEASE, __FreeBSD_version 1403000.
 * DECLARE_MODULE makes every module depend on module "kernel" with versions
 * [1403000, 1499999], so the emulated kernel must provide "kernel" at a version in
 * that range. Also the usual sizes and the MIN/MAX/roundup/nitems helpers.
 */
#ifndef _SYS_PARAM_H_
#define _SYS_PARAM_H_

#include <sys/_null.h>

#define	BSD	199506		/* System version (year & month). */
#define	BSD4_3	1
#define	BSD4_4	1

#undef __FreeBSD_version
#define	__FreeBSD_version	1403000	/* FreeBSD 14.3-RELEASE */
#define	__FreeBSD_kernel__
#ifndef __FreeBSD__
#define	__FreeBSD__	14
#endif

#define	P_OSREL_MAJOR(x)	((x) / 100000)

#ifndef LOCORE
#include <sys/types.h>
#endif

#include <sys/syslimits.h>

#define	MAXCOMLEN	19
#define	MAXINTERP	PATH_MAX
#define	MAXLOGNAME	33
#define	MAXUPRC		CHILD_MAX
#define	NCARGS		ARG_MAX
#define	NGROUPS		(NGROUPS_MAX+1)
#define	NOFILE		OPEN_MAX
#define	NOGROUP		65535
#define	MAXHOSTNAMELEN	256
#define	SPECNAMELEN	255		/* max length of devicename (MAXNAMLEN) */

#include <machine/param.h>

/* More types and definitions the kernel uses everywhere, as FreeBSD's param.h pulls in. */
#ifdef _KERNEL
#include <sys/cdefs.h>
#include <sys/errno.h>
#ifndef LOCORE
#include <sys/time.h>
#include <sys/priority.h>
#endif
#endif

#define	DEV_BSHIFT	9
#define	DEV_BSIZE	(1<<DEV_BSHIFT)
#define	MAXBSIZE	65536
#define	MAXPHYS		(1024 * 1024)
#define	MAXDUMPPGS	(DFLTPHYS/PAGE_SIZE)
#define	DFLTPHYS	(64 * 1024)
#define	MAXPATHLEN	PATH_MAX
#define	MAXSYMLINKS	32

#define	PRIMASK		0x0ff
#define	PCATCH		0x100
#define	PDROP		0x200
#define	PNOLOCK		0x400
#define	PRILASTFLAG	0x400

#define	NBBY	8		/* number of bits in a byte */
#define	NBPW	sizeof(int)	/* number of bytes per word (integer) */
#define	CMASK	022
#define	NODEV	(dev_t)(-1)

/* Bit maps. */
#define	setbit(a,i)	(((unsigned char *)(a))[(i)/NBBY] |= 1<<((i)%NBBY))
#define	clrbit(a,i)	(((unsigned char *)(a))[(i)/NBBY] &= ~(1<<((i)%NBBY)))
#define	isset(a,i)	(((const unsigned char *)(a))[(i)/NBBY] & (1<<((i)%NBBY)))
#define	isclr(a,i)	((((const unsigned char *)(a))[(i)/NBBY] & (1<<((i)%NBBY))) == 0)

/* Counting and rounding. */
#ifndef howmany
#define	howmany(x, y)	(((x)+((y)-1))/(y))
#endif
#define	nitems(x)	(sizeof((x)) / sizeof((x)[0]))
#define	rounddown(x, y)	(((x)/(y))*(y))
#define	rounddown2(x, y) __align_down(x, y)
#define	roundup(x, y)	((((x)+((y)-1))/(y))*(y))
#define	roundup2(x, y)	__align_up(x, y)
#define	powerof2(x)	((((x)-1)&(x))==0)
#define	__align_down(x, y)	((x) & ~((__typeof(x))(y) - 1))
#define	__align_up(x, y)	__align_down((x) + ((__typeof(x))(y) - 1), y)

/* Macros for min/max. */
#define	MIN(a,b) (((a)<(b))?(a):(b))
#define	MAX(a,b) (((a)>(b))?(a):(b))

#define	member2struct(s, m, x)	\
	((struct s *)(void *)((char *)(x) - offsetof(struct s, m)))

#define	btodb(bytes)	((daddr_t)((unsigned long long)(bytes) >> DEV_BSHIFT))
#define	dbtob(db)	((off_t)(db) << DEV_BSHIFT)

#endif /* !_SYS_PARAM_H_ */
