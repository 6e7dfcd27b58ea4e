/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/_callout.h>.
 *
 * struct callout as FreeBSD 14 sys/sys/_callout.h lays it out (the kernel keeps the real
 * fields up to date: c_time, c_arg, c_func, c_lock, c_flags, c_iflags).
 */
#ifndef _SYS__CALLOUT_H
#define	_SYS__CALLOUT_H

#include <sys/types.h>
#include <sys/queue.h>

struct lock_object;

LIST_HEAD(callout_list, callout);
SLIST_HEAD(callout_slist, callout);
TAILQ_HEAD(callout_tailq, callout);

typedef void callout_func_t(void *);

struct callout {
	union {
		LIST_ENTRY(callout) le;
		SLIST_ENTRY(callout) sle;
		TAILQ_ENTRY(callout) tqe;
	} c_links;
	sbintime_t c_time;			/* ticks to the event */
	sbintime_t c_precision;			/* delta allowed wrt opt */
	void	*c_arg;				/* function argument */
	callout_func_t *c_func;			/* function to call */
	struct lock_object *c_lock;		/* lock to handle */
	short	c_flags;			/* User State */
	short	c_iflags;			/* Internal State */
	volatile int c_cpu;			/* CPU we're scheduled on */
};

#endif /* !_SYS__CALLOUT_H */
