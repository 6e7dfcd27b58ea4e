/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/syslog.h>: priorities for the kernel's log(level, fmt, ...).
 *
 * Provenance: 4.4BSD/NetBSD sys/sys/syslog.h priority values.
 */
#ifndef _SYS_SYSLOG_H_
#define	_SYS_SYSLOG_H_

#define	LOG_EMERG	0	/* system is unusable */
#define	LOG_ALERT	1	/* action must be taken immediately */
#define	LOG_CRIT	2	/* critical conditions */
#define	LOG_ERR		3	/* error conditions */
#define	LOG_WARNING	4	/* warning conditions */
#define	LOG_NOTICE	5	/* normal but significant condition */
#define	LOG_INFO	6	/* informational */
#define	LOG_DEBUG	7	/* debug-level messages */

#endif /* !_SYS_SYSLOG_H_ */
