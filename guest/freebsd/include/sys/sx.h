/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/sx.h>.
 *
 * sx(9) as FreeBSD 14 sys/sys/sx.h expands it for a KLD_MODULE (LOCK_DEBUG is 1 there):
 * nothing is inlined, each macro calls the kernel function with the lock, the caller's file
 * and line — sx_xlock is _sx_xlock(sx, 0, file, line), sx_slock _sx_slock, sx_xunlock
 * _sx_xunlock, sx_sunlock _sx_sunlock, sx_try_xlock sx_try_xlock_ and so on. sx_assert calls
 * _sx_assert (as under INVARIANTS, like mtx_assert here). The lock word encodings are the
 * real ones, so sx_xlocked/sx_xholder/sx_unlock read it inline as on FreeBSD; kemu runs
 * one thread, thread0, which is curthread.
 */
#ifndef _SYS_SX_H_
#define _SYS_SX_H_

#include <sys/types.h>
#include <sys/_lock.h>
#include <sys/_sx.h>
#include <sys/lock.h>
#include <sys/kernel.h>

/* The lock word. */
#define	SX_LOCK_SHARED			0x01
#define	SX_LOCK_SHARED_WAITERS		0x02
#define	SX_LOCK_EXCLUSIVE_WAITERS	0x04
#define	SX_LOCK_WRITE_SPINNER		0x08
#define	SX_LOCK_RECURSED		0x10
#define	SX_LOCK_FLAGMASK						\
	(SX_LOCK_SHARED | SX_LOCK_SHARED_WAITERS |			\
	SX_LOCK_EXCLUSIVE_WAITERS | SX_LOCK_RECURSED | SX_LOCK_WRITE_SPINNER)
#define	SX_LOCK_WAITERS		(SX_LOCK_SHARED_WAITERS | SX_LOCK_EXCLUSIVE_WAITERS)

#define	SX_OWNER(x)			((x) & ~SX_LOCK_FLAGMASK)
#define	SX_SHARERS_SHIFT		5
#define	SX_SHARERS(x)			(SX_OWNER(x) >> SX_SHARERS_SHIFT)
#define	SX_SHARERS_LOCK(x)						\
	((x) << SX_SHARERS_SHIFT | SX_LOCK_SHARED)
#define	SX_ONE_SHARER			(1 << SX_SHARERS_SHIFT)

#define	SX_LOCK_UNLOCKED		SX_SHARERS_LOCK(0)
#define	SX_LOCK_DESTROYED						\
	(SX_LOCK_SHARED_WAITERS | SX_LOCK_EXCLUSIVE_WAITERS)

#ifdef _KERNEL

struct thread;
#ifndef curthread
extern struct thread thread0;
#define	curthread	(&thread0)	/* kemu runs one thread */
#endif

/* sx_init_flags() options. */
#define	SX_DUPOK		0x01
#define	SX_NOPROFILE		0x02
#define	SX_NOWITNESS		0x04
#define	SX_QUIET		0x08
#define	SX_NOADAPTIVE		0x10
#define	SX_RECURSE		0x20
#define	SX_NEW			0x40

/* _sx_slock()/_sx_xlock() options. */
#define	SX_INTERRUPTIBLE	0x40

/* sx_assert() what. */
#define	SA_LOCKED		0x01
#define	SA_SLOCKED		0x02
#define	SA_XLOCKED		0x04
#define	SA_UNLOCKED		0x00
#define	SA_RECURSED		0x08
#define	SA_NOTRECURSED		0x10

struct sx_args {
	struct sx	*sa_sx;
	const char	*sa_desc;
	int		sa_flags;
};

void	sx_sysinit(void *arg);
void	sx_init_flags(struct sx *sx, const char *description, int opts);
void	sx_destroy(struct sx *sx);
int	sx_try_slock_(struct sx *sx, const char *file, int line);
int	sx_try_xlock_(struct sx *sx, const char *file, int line);
int	sx_try_upgrade_(struct sx *sx, const char *file, int line);
void	sx_downgrade_(struct sx *sx, const char *file, int line);
int	_sx_slock(struct sx *sx, int opts, const char *file, int line);
int	_sx_xlock(struct sx *sx, int opts, const char *file, int line);
void	_sx_sunlock(struct sx *sx, const char *file, int line);
void	_sx_xunlock(struct sx *sx, const char *file, int line);
void	_sx_assert(const struct sx *sx, int what, const char *file, int line);

#define	sx_init(sx, desc)	sx_init_flags((sx), (desc), 0)

#define	SX_SYSINIT_FLAGS(name, sxa, desc, flags)			\
	static struct sx_args name##_args = {				\
		(sxa),							\
		(desc),							\
		(flags)							\
	};								\
	SYSINIT(name##_sx_sysinit, SI_SUB_LOCK, SI_ORDER_MIDDLE,	\
	    sx_sysinit, &name##_args);					\
	SYSUNINIT(name##_sx_sysuninit, SI_SUB_LOCK, SI_ORDER_MIDDLE,	\
	    sx_destroy, (sxa))
#define	SX_SYSINIT(name, sxa, desc)	SX_SYSINIT_FLAGS(name, sxa, desc, 0)

#define	sx_xlock_(sx, file, line)					\
	(void)_sx_xlock((sx), 0, (file), (line))
#define	sx_xlock_sig_(sx, file, line)					\
	_sx_xlock((sx), SX_INTERRUPTIBLE, (file), (line))
#define	sx_xunlock_(sx, file, line)					\
	_sx_xunlock((sx), (file), (line))
#define	sx_slock_(sx, file, line)					\
	(void)_sx_slock((sx), 0, (file), (line))
#define	sx_slock_sig_(sx, file, line)					\
	_sx_slock((sx), SX_INTERRUPTIBLE, (file), (line))
#define	sx_sunlock_(sx, file, line)					\
	_sx_sunlock((sx), (file), (line))

#define	sx_try_slock(sx)	sx_try_slock_((sx), LOCK_FILE, LOCK_LINE)
#define	sx_try_xlock(sx)	sx_try_xlock_((sx), LOCK_FILE, LOCK_LINE)
#define	sx_try_upgrade(sx)	sx_try_upgrade_((sx), LOCK_FILE, LOCK_LINE)
#define	sx_downgrade(sx)	sx_downgrade_((sx), LOCK_FILE, LOCK_LINE)
#define	sx_xlock(sx)		sx_xlock_((sx), LOCK_FILE, LOCK_LINE)
#define	sx_xlock_sig(sx)	sx_xlock_sig_((sx), LOCK_FILE, LOCK_LINE)
#define	sx_xunlock(sx)		sx_xunlock_((sx), LOCK_FILE, LOCK_LINE)
#define	sx_slock(sx)		sx_slock_((sx), LOCK_FILE, LOCK_LINE)
#define	sx_slock_sig(sx)	sx_slock_sig_((sx), LOCK_FILE, LOCK_LINE)
#define	sx_sunlock(sx)		sx_sunlock_((sx), LOCK_FILE, LOCK_LINE)

/* The owner when exclusively held, else NULL. */
#define	sx_xholder(sx)							\
	((sx)->sx_lock & SX_LOCK_SHARED ? NULL :			\
	(struct thread *)SX_OWNER((sx)->sx_lock))

#define	sx_xlocked(sx)							\
	(((sx)->sx_lock & ~(SX_LOCK_FLAGMASK & ~SX_LOCK_SHARED)) ==	\
	    (uintptr_t)curthread)

#define	sx_unlock_(sx, file, line) do {					\
	if (sx_xlocked(sx))						\
		sx_xunlock_(sx, file, line);				\
	else								\
		sx_sunlock_(sx, file, line);				\
} while (0)
#define	sx_unlock(sx)	sx_unlock_((sx), LOCK_FILE, LOCK_LINE)

#define	sx_sleep(chan, sx, pri, wmesg, timo)				\
	_sleep((chan), &(sx)->lock_object, (pri), (wmesg),		\
	    tick_sbt * (timo), 0, C_HARDCLOCK)

#define	sx_assert(sx, what)						\
	_sx_assert((sx), (what), LOCK_FILE, LOCK_LINE)

#endif /* _KERNEL */

#endif /* !_SYS_SX_H_ */
