/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/_sx.h>.
 *
 * The shared/exclusive lock as FreeBSD 14 sys/sys/_sx.h lays it out: the common lock
 * object, then the lock word (unlocked, the owner thread, or the sharer count).
 */
#ifndef _SYS__SX_H_
#define _SYS__SX_H_

#include <sys/types.h>
#include <sys/_lock.h>

struct sx {
	struct lock_object	lock_object;
	volatile uintptr_t	sx_lock;
};

#endif /* !_SYS__SX_H_ */
