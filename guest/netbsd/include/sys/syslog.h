/*
 * kemu guest SDK -- NetBSD 10.  <sys/syslog.h>: the priorities log(9) takes.
 *
 * Provenance: NetBSD 10 sys/sys/syslog.h (the LOG_* priority values,
 * which are syslog(3)'s and the same on every BSD).
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
