/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/_mutex.h>.
 *
 * struct mtx as FreeBSD 14 sys/sys/_mutex.h lays it out: the lock_object head, then the
 * lock word (MTX_UNOWNED or the owning thread) whose address the mtx_* functions receive.
 */
#ifndef _SYS__MUTEX_H_
#define _SYS__MUTEX_H_

#include <sys/types.h>
#include <sys/_lock.h>

struct mtx {
	struct lock_object	lock_object;
	volatile uintptr_t	mtx_lock;
};

#endif
