/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/malloc.h>: the kernel memory allocator, malloc(9).
 *
 * Provenance: NetBSD 1.6 sys/sys/malloc.h.  In 1.6 the memory type is a
 * small integer (MALLOC_DEFINE types arrived in 2.0): M_FREE 0, M_MBUF 1,
 * M_DEVBUF 2 and the other low numbers are the 4.4BSD ones.  M_TEMP's
 * number in 1.6 is not settled from the sources read; 74 is the 4.4BSD-Lite
 * value and is used here (the type only feeds allocation statistics).
 * Flags: M_WAITOK 0, M_NOWAIT 1, M_ZERO 2, M_CANFAIL 4 (NetBSD values).
 *   void *malloc(unsigned long size, int type, int flags);
 *   void  free(void *addr, int type);
 * malloc with M_WAITOK never returns NULL; with M_NOWAIT it may.
 */
#ifndef _SYS_MALLOC_H_
#define	_SYS_MALLOC_H_

#include <sys/types.h>

#define	M_WAITOK	0x0000	/* can wait for resources */
#define	M_NOWAIT	0x0001	/* do not wait for resources */
#define	M_ZERO		0x0002	/* zero the allocation */
#define	M_CANFAIL	0x0004	/* can fail if the size can never be met */

#define	M_FREE		0	/* should be on free list */
#define	M_MBUF		1	/* mbuf */
#define	M_DEVBUF	2	/* device driver memory */
#define	M_SOCKET	3	/* socket structure */
#define	M_PCB		4	/* protocol control block */
#define	M_IOCTLOPS	14	/* ioctl data buffer */
#define	M_IOV		19	/* large iov's */
#define	M_TEMP		74	/* misc temporary data buffers */

#ifdef _KERNEL
void	*malloc(unsigned long, int, int);
void	free(void *, int);
void	*realloc(void *, unsigned long, int, int);

#define	MALLOC(space, cast, size, type, flags) \
	(space) = (cast)malloc((u_long)(size), (type), (flags))
#define	FREE(addr, type)	free((void *)(addr), (type))
#endif /* _KERNEL */

#endif /* !_SYS_MALLOC_H_ */
