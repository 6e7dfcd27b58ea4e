/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/mutex.h>.
 *
 * As FreeBSD 14 sys/sys/mutex.h expands the mutex(9) macros for a KLD_MODULE: nothing is
 * inlined, each macro calls the kernel function with &(m)->mtx_lock, the caller's file and
 * line. mtx_assert calls __mtx_assert (as under INVARIANTS).
 */
#ifndef _SYS_MUTEX_H_
#define _SYS_MUTEX_H_

#include <sys/types.h>
#include <sys/_mutex.h>
#include <sys/lock.h>

#define	MTX_DEF		0x00000000
#define	MTX_SPIN	0x00000001
#define	MTX_RECURSE	0x00000004
#define	MTX_NOWITNESS	0x00000008
#define	MTX_NOPROFILE	0x00000020
#define	MTX_NEW		0x00000040
#define	MTX_DUPOK	0x00000010
#define	MTX_QUIET	0x00040000

#define	MTX_UNOWNED	0x00000004

#define	MA_OWNED	0x01
#define	MA_NOTOWNED	0x00
#define	MA_RECURSED	0x04
#define	MA_NOTRECURSED	0x08

void	_mtx_init(volatile uintptr_t *c, const char *name, const char *type, int opts);
void	_mtx_destroy(volatile uintptr_t *c);
void	__mtx_lock_flags(volatile uintptr_t *c, int opts, const char *file, int line);
void	__mtx_unlock_flags(volatile uintptr_t *c, int opts, const char *file, int line);
void	__mtx_lock_spin_flags(volatile uintptr_t *c, int opts, const char *file, int line);
void	__mtx_unlock_spin_flags(volatile uintptr_t *c, int opts, const char *file, int line);
int	__mtx_trylock_spin_flags(volatile uintptr_t *c, int opts, const char *file, int line);
int	_mtx_trylock_flags_(volatile uintptr_t *c, int opts, const char *file, int line);
void	__mtx_assert(const volatile uintptr_t *c, int what, const char *file, int line);

#define	mtx_init(m, n, t, o)	_mtx_init(&(m)->mtx_lock, (n), (t), (o))
#define	mtx_destroy(m)		_mtx_destroy(&(m)->mtx_lock)
#define	mtx_lock_flags(m, o)	__mtx_lock_flags(&(m)->mtx_lock, (o), LOCK_FILE, LOCK_LINE)
#define	mtx_unlock_flags(m, o)	__mtx_unlock_flags(&(m)->mtx_lock, (o), LOCK_FILE, LOCK_LINE)
#define	mtx_lock_spin_flags(m, o)					\
	__mtx_lock_spin_flags(&(m)->mtx_lock, (o), LOCK_FILE, LOCK_LINE)
#define	mtx_unlock_spin_flags(m, o)					\
	__mtx_unlock_spin_flags(&(m)->mtx_lock, (o), LOCK_FILE, LOCK_LINE)
#define	mtx_trylock_flags(m, o)						\
	_mtx_trylock_flags_(&(m)->mtx_lock, (o), LOCK_FILE, LOCK_LINE)
#define	mtx_trylock_spin_flags(m, o)					\
	__mtx_trylock_spin_flags(&(m)->mtx_lock, (o), LOCK_FILE, LOCK_LINE)
#define	mtx_trylock_spin(m)	mtx_trylock_spin_flags((m), 0)
#define	mtx_lock(m)		mtx_lock_flags((m), 0)
#define	mtx_unlock(m)		mtx_unlock_flags((m), 0)
#define	mtx_lock_spin(m)	mtx_lock_spin_flags((m), 0)
#define	mtx_unlock_spin(m)	mtx_unlock_spin_flags((m), 0)
#define	mtx_trylock(m)		mtx_trylock_flags((m), 0)
#define	mtx_assert(m, what)						\
	__mtx_assert(&(m)->mtx_lock, (what), __FILE__, __LINE__)
#define	mtx_name(m)		((m)->lock_object.lo_name)
#define	mtx_sleep(chan, mtx, pri, wmesg, timo)				\
	_sleep((chan), &(mtx)->lock_object, (pri), (wmesg),		\
	    tick_sbt * (timo), 0, C_HARDCLOCK)
#define	mtx_sleep_sbt(chan, mtx, pri, wmesg, bt, pr, flags)		\
	_sleep((chan), &(mtx)->lock_object, (pri), (wmesg), (bt), (pr),	\
	    (flags))
#define	mtx_initialized(m)	((m)->lock_object.lo_flags != 0)

#endif
