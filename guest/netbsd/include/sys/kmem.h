/*
 * kemu guest SDK -- NetBSD 10.  <sys/kmem.h>: the kernel memory allocator.
 *
 * Provenance: NetBSD 10 sys/sys/kmem.h (1.12).  kmem_free takes the size
 * that was allocated (the allocator does not remember it; a wrong size is
 * a kernel bug kemu can report).  KM_SLEEP 1, KM_NOSLEEP 2.
 */
#ifndef _SYS_KMEM_H_
#define	_SYS_KMEM_H_

#include <sys/types.h>

typedef unsigned int km_flag_t;

void	*kmem_alloc(size_t, km_flag_t);
void	*kmem_zalloc(size_t, km_flag_t);
void	kmem_free(void *, size_t);

void	*kmem_intr_alloc(size_t, km_flag_t);
void	*kmem_intr_zalloc(size_t, km_flag_t);
void	kmem_intr_free(void *, size_t);

char	*kmem_asprintf(const char *, ...) __printflike(1, 2);
char	*kmem_strdupsize(const char *, size_t *, km_flag_t);
#define	kmem_strdup(s, f)	kmem_strdupsize((s), NULL, (f))
char	*kmem_strndup(const char *, size_t, km_flag_t);
void	kmem_strfree(char *);

#define	KM_SLEEP	0x00000001	/* can sleep */
#define	KM_NOSLEEP	0x00000002	/* don't sleep */

#endif /* !_SYS_KMEM_H_ */
