/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/priority.h>.
 *
 * The kernel sleep priorities of FreeBSD 14 sys/sys/priority.h (what tsleep/msleep take;
 * kemu runs one thread and only passes them on).
 */
#ifndef _SYS_PRIORITY_H_
#define _SYS_PRIORITY_H_

#define	PRI_MIN			(0)		/* Highest priority. */
#define	PRI_MAX			(255)		/* Lowest priority. */

#define	PRI_MIN_ITHD		(PRI_MIN)
#define	PRI_MIN_REALTIME	(48)
#define	PRI_MAX_ITHD		(PRI_MIN_REALTIME - 1)
#define	PRI_MIN_KERN		(80)
#define	PRI_MAX_REALTIME	(PRI_MIN_KERN - 1)
#define	PRI_MIN_TIMESHARE	(120)
#define	PRI_MAX_KERN		(PRI_MIN_TIMESHARE - 1)

#define	PSWP			(PRI_MIN_KERN + 0)
#define	PVM			(PRI_MIN_KERN + 4)
#define	PINOD			(PRI_MIN_KERN + 8)
#define	PRIBIO			(PRI_MIN_KERN + 12)
#define	PVFS			(PRI_MIN_KERN + 16)
#define	PZERO			(PRI_MIN_KERN + 20)
#define	PSOCK			(PRI_MIN_KERN + 24)
#define	PWAIT			(PRI_MIN_KERN + 28)
#define	PLOCK			(PRI_MIN_KERN + 32)
#define	PPAUSE			(PRI_MIN_KERN + 36)
#define	PUSER			(PRI_MIN_TIMESHARE)

#endif /* !_SYS_PRIORITY_H_ */
