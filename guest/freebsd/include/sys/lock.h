/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/lock.h>.
 *
 * What klds take from FreeBSD 14 sys/sys/lock.h: LOCK_FILE/LOCK_LINE (the caller's place,
 * printed in lock panics) and the lock_object head.
 */
#ifndef _SYS_LOCK_H_
#define _SYS_LOCK_H_

#include <sys/_lock.h>

#define	LOCK_FILE	__FILE__
#define	LOCK_LINE	__LINE__

#endif
