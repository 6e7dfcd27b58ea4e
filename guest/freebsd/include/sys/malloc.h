/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/malloc.h>.
 *
 * malloc(9) as FreeBSD 14 declares it. MALLOC_DEFINE(type, short, long) defines
 * `struct malloc_type type[1]' (ks_next, ks_version = M_VERSION, ks_shortdesc, then
 * the kernel-private ks_mti the module leaves zero) and registers it with a SYSINIT at
 * (SI_SUB_KMEM, SI_ORDER_THIRD) calling malloc_init(type) and a SYSUNINIT at
 * (SI_SUB_KMEM, SI_ORDER_ANY) calling malloc_uninit(type).
 *   struct malloc_type: amd64 ks_next 0, ks_version 8, ks_shortdesc 16, ks_mti 24, size 112
 *                       i386  ks_next 0, ks_version 4, ks_shortdesc 8,  ks_mti 12, size 60
 */
#ifndef _SYS_MALLOC_H_
#define _SYS_MALLOC_H_

#include <sys/param.h>
#ifdef _KERNEL
#include <sys/systm.h>
#endif
#include <sys/queue.h>

#define	MINALLOCSIZE	UMA_SMALLEST_UNIT
#define	UMA_SMALLEST_UNIT	8

/* Flags to malloc(9). */
#define	M_NOWAIT	0x0001		/* do not block */
#define	M_WAITOK	0x0002		/* ok to block */
#define	M_NORECLAIM	0x0080		/* do not reclaim after failure */
#define	M_ZERO		0x0100		/* bzero the allocation */
#define	M_NOVM		0x0200		/* don't ask VM for pages */
#define	M_USE_RESERVE	0x0400		/* can alloc out of reserve memory */
#define	M_NODUMP	0x0800		/* don't dump pages in this allocation */
#define	M_FIRSTFIT	0x1000		/* only for vmem, fast fit */
#define	M_BESTFIT	0x2000		/* only for vmem, low fragmentation */
#define	M_EXEC		0x4000		/* allocate executable space */
#define	M_NEXTFIT	0x8000		/* only for vmem, follow cursor */

#define	M_VERSION	2020110501

#define	DTMALLOC_PROBE_MALLOC	0
#define	DTMALLOC_PROBE_FREE	1
#define	DTMALLOC_PROBE_MAX	2

struct malloc_type_stats;

/* Kernel-private part of a malloc type; a module's MALLOC_DEFINE leaves it zeroed. */
struct malloc_type_internal {
	uint32_t	mti_probes[DTMALLOC_PROBE_MAX];
	u_char		mti_zone;
	struct malloc_type_stats *mti_stats;
	u_long		mti_spare[8];
};

struct malloc_type {
	struct malloc_type *ks_next;	/* next in the kernel's list of types */
	u_long		 ks_version;	/* M_VERSION: catches stale modules */
	const char	*ks_shortdesc;	/* printable type name (vmstat -m) */
	struct malloc_type_internal ks_mti;
};

#ifdef _KERNEL
#include <sys/kernel.h>

#define	MALLOC_DEFINE(type, shortdesc, longdesc)			\
	struct malloc_type type[1] = {					\
		{							\
			.ks_next = NULL,				\
			.ks_version = M_VERSION,			\
			.ks_shortdesc = shortdesc,			\
		}							\
	};								\
	SYSINIT(type##_init, SI_SUB_KMEM, SI_ORDER_THIRD, malloc_init,	\
	    type);							\
	SYSUNINIT(type##_uninit, SI_SUB_KMEM, SI_ORDER_ANY,		\
	    malloc_uninit, type)

#define	MALLOC_DECLARE(type) \
	extern struct malloc_type type[1]

MALLOC_DECLARE(M_CACHE);
MALLOC_DECLARE(M_DEVBUF);
MALLOC_DECLARE(M_TEMP);

void	*contigmalloc(unsigned long size, struct malloc_type *type, int flags,
	    vm_paddr_t low, vm_paddr_t high, unsigned long alignment,
	    vm_paddr_t boundary) __malloc_like __result_use_check
	    __alloc_size(1) __alloc_align(6);
void	contigfree(void *addr, unsigned long size, struct malloc_type *type);
void	free(void *addr, struct malloc_type *type);
void	zfree(void *addr, struct malloc_type *type);
void	*malloc(size_t size, struct malloc_type *type, int flags) __malloc_like
	    __result_use_check __alloc_size(1);
/*
 * FreeBSD 14 zeroes constant-size M_ZERO allocations in place: the kernel is asked
 * for the memory without M_ZERO and the kld clears it itself (inline or memset), after
 * a NULL check unless M_WAITOK was given.
 */
#define	malloc(size, type, flags) ({					\
	void *_malloc_item;						\
	size_t _size = (size);						\
	if (__builtin_constant_p(size) && __builtin_constant_p(flags) &&\
	    ((flags) & M_ZERO) != 0) {					\
		_malloc_item = malloc(_size, type, (flags) &~ M_ZERO);	\
		if (((flags) & M_WAITOK) != 0 ||			\
		    __predict_true(_malloc_item != NULL))		\
			bzero(_malloc_item, _size);			\
	} else {							\
		_malloc_item = malloc(_size, type, flags);		\
	}								\
	_malloc_item;							\
})
void	*mallocarray(size_t nmemb, size_t size, struct malloc_type *type,
	    int flags) __malloc_like __result_use_check __alloc_size2(1, 2);
void	*malloc_exec(size_t size, struct malloc_type *type, int flags)
	    __malloc_like __result_use_check __alloc_size(1);
void	malloc_init(void *);
void	malloc_uninit(void *);
size_t	malloc_size(size_t);
size_t	malloc_usable_size(const void *);
void	*realloc(void *addr, size_t size, struct malloc_type *type, int flags)
	    __result_use_check __alloc_size(2);
void	*reallocf(void *addr, size_t size, struct malloc_type *type, int flags)
	    __result_use_check __alloc_size(2);
#endif /* _KERNEL */

#endif /* !_SYS_MALLOC_H_ */
