/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <machine/param.h>: page size and alignment of the machine.
 *
 * Provenance: NetBSD 1.6 sys/arch/i386/include/param.h (NBPG 4096,
 * PGSHIFT 12, ALIGNBYTES = sizeof(int) - 1) and the x86_64 port of the same
 * era (ALIGNBYTES = sizeof(long) - 1).
 */
#ifndef _MACHINE_PARAM_H_
#define	_MACHINE_PARAM_H_

#if defined(__x86_64__)
#define	MACHINE		"x86_64"
#define	MACHINE_ARCH	"x86_64"
#define	ALIGNBYTES	(sizeof(long) - 1)
#else
#define	MACHINE		"i386"
#define	MACHINE_ARCH	"i386"
#define	ALIGNBYTES	(sizeof(int) - 1)
#endif
#define	ALIGN(p)	(((unsigned long)(p) + ALIGNBYTES) & ~ALIGNBYTES)

#define	PGSHIFT		12			/* LOG2(NBPG) */
#define	NBPG		(1 << PGSHIFT)		/* bytes/page */
#define	PGOFSET		(NBPG - 1)		/* byte offset into page */
#define	PAGE_SHIFT	PGSHIFT
#define	PAGE_SIZE	NBPG
#define	PAGE_MASK	PGOFSET

#endif /* !_MACHINE_PARAM_H_ */
