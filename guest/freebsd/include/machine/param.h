/* kemu guest SDK for FreeBSD 14.3 klds: <machine/param.h>: page size and alignment for amd64/i386. */
#ifndef _MACHINE_PARAM_H_
#define _MACHINE_PARAM_H_

#ifdef __LP64__
#define	MACHINE		"amd64"
#define	MACHINE_ARCH	"amd64"
#define	MAXCPU		1024
#else
#define	MACHINE		"i386"
#define	MACHINE_ARCH	"i386"
#define	MAXCPU		32
#endif
#define	MID_MACHINE	0

#define	_ALIGNBYTES	(sizeof(register_t) - 1)
#define	_ALIGN(p)	(((uintptr_t)(p) + _ALIGNBYTES) & ~_ALIGNBYTES)
#define	ALIGNBYTES	_ALIGNBYTES
#define	ALIGN(p)	_ALIGN(p)
#define	ALIGNED_POINTER(p, t)	1
#define	CACHE_LINE_SHIFT	6
#define	CACHE_LINE_SIZE		(1 << CACHE_LINE_SHIFT)

#define	PAGE_SHIFT	12
#define	PAGE_SIZE	(1 << PAGE_SHIFT)
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	NPTEPG		(PAGE_SIZE / sizeof(long))

#define	KSTACK_PAGES	4
#define	round_page(x)	((((unsigned long)(x)) + PAGE_MASK) & ~(PAGE_MASK))
#define	trunc_page(x)	((unsigned long)(x) & ~(PAGE_MASK))
#define	atop(x)		((unsigned long)(x) >> PAGE_SHIFT)
#define	ptoa(x)		((unsigned long)(x) << PAGE_SHIFT)

#endif /* !_MACHINE_PARAM_H_ */
