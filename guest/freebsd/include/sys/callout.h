/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/callout.h>.
 *
 * callout(9) as FreeBSD 14 sys/sys/callout.h declares it: callout_reset and friends are
 * macros over callout_reset_sbt_on (tick_sbt * ticks, C_HARDCLOCK), callout_stop and
 * callout_drain over _callout_stop_safe, callout_init_mtx over _callout_init_lock.
 * kemu fires callouts on its virtual clock (hz 1000, as GENERIC), on its one CPU.
 */
#ifndef _SYS_CALLOUT_H_
#define _SYS_CALLOUT_H_

#include <sys/_callout.h>

#define	CALLOUT_LOCAL_ALLOC	0x0001 /* was allocated from callfree */
#define	CALLOUT_ACTIVE		0x0002 /* callout is currently active */
#define	CALLOUT_PENDING		0x0004 /* callout is waiting for timeout */
#define	CALLOUT_MPSAFE		0x0008 /* deprecated */
#define	CALLOUT_RETURNUNLOCKED	0x0010 /* handler returns with mtx unlocked */
#define	CALLOUT_SHAREDLOCK	0x0020 /* callout lock held in shared mode */
#define	CALLOUT_DFRMIGRATION	0x0040 /* callout in deferred migration mode */
#define	CALLOUT_PROCESSED	0x0080 /* callout in wheel or processing list? */
#define	CALLOUT_DIRECT		0x0100 /* allow exec from hw int context */

#define	C_DIRECT_EXEC		0x0001 /* direct execution of callout */
#define	C_PRELBITS		7
#define	C_PRELRANGE		((1 << C_PRELBITS) - 1)
#define	C_PREL(x)		(((x) + 1) << 1)
#define	C_PRELGET(x)		(int)((((x) >> 1) & C_PRELRANGE) - 1)
#define	C_HARDCLOCK		0x0100 /* align to hardclock() calls */
#define	C_ABSOLUTE		0x0200 /* event time is absolute. */
#define	C_PRECALC		0x0400 /* event time is pre-calculated. */
#define	C_CATCH			0x0800 /* catch signals, used by pause_sbt(9) */

#define	CS_DRAIN		0x0001 /* callout_drain(), wait allowed */
#define	CS_EXECUTING		0x0002 /* Positive return value indicates that
					   the callout was executing */

#ifdef _KERNEL
#define	callout_active(c)	((c)->c_flags & CALLOUT_ACTIVE)
#define	callout_deactivate(c)	((c)->c_flags &= ~CALLOUT_ACTIVE)
#define	callout_drain(c)	_callout_stop_safe(c, CS_DRAIN)
void	callout_init(struct callout *, int);
void	_callout_init_lock(struct callout *, struct lock_object *, int);
#define	callout_init_mtx(c, mtx, flags)					\
	_callout_init_lock((c), ((mtx) != NULL) ? &(mtx)->lock_object :	\
	    NULL, (flags))
#define	callout_init_rm(c, rm, flags)					\
	_callout_init_lock((c), ((rm) != NULL) ? &(rm)->lock_object : 	\
	    NULL, (flags))
#define	callout_init_rw(c, rw, flags)					\
	_callout_init_lock((c), ((rw) != NULL) ? &(rw)->lock_object :	\
	   NULL, (flags))
#define	callout_pending(c)	((c)->c_iflags & CALLOUT_PENDING)
int	callout_reset_sbt_on(struct callout *, sbintime_t, sbintime_t,
	    void (*)(void *), void *, int, int);
#define	callout_reset_sbt(c, sbt, pr, fn, arg, flags)			\
    callout_reset_sbt_on((c), (sbt), (pr), (fn), (arg), -1, (flags))
#define	callout_reset_sbt_curcpu(c, sbt, pr, fn, arg, flags)		\
    callout_reset_sbt_on((c), (sbt), (pr), (fn), (arg), 0, (flags))
#define	callout_reset_on(c, to_ticks, fn, arg, cpu)			\
    callout_reset_sbt_on((c), tick_sbt * (to_ticks), 0, (fn), (arg),	\
        (cpu), C_HARDCLOCK)
#define	callout_reset(c, on_tick, fn, arg)				\
    callout_reset_on((c), (on_tick), (fn), (arg), -1)
#define	callout_reset_curcpu(c, on_tick, fn, arg)			\
    callout_reset_on((c), (on_tick), (fn), (arg), 0)
#define	callout_schedule_sbt_on(c, sbt, pr, cpu, flags)			\
    callout_reset_sbt_on((c), (sbt), (pr), (c)->c_func, (c)->c_arg,	\
        (cpu), (flags))
#define	callout_schedule_sbt(c, sbt, pr, flags)				\
    callout_schedule_sbt_on((c), (sbt), (pr), -1, (flags))
#define	callout_schedule_sbt_curcpu(c, sbt, pr, flags)			\
    callout_schedule_sbt_on((c), (sbt), (pr), 0, (flags))
int	callout_schedule(struct callout *, int);
int	callout_schedule_on(struct callout *, int, int);
#define	callout_schedule_curcpu(c, on_tick)				\
    callout_schedule_on((c), (on_tick), 0)
#define	callout_stop(c)		_callout_stop_safe(c, 0)
int	_callout_stop_safe(struct callout *, int);
#endif

#endif /* !_SYS_CALLOUT_H_ */
