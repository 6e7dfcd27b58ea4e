/* kemu guest SDK for FreeBSD 14.3 klds: <sys/syslog.h>: the priorities log(9) takes. */
#ifndef _SYS_SYSLOG_H_
#define _SYS_SYSLOG_H_

#define	LOG_EMERG	0	/* system is unusable */
#define	LOG_ALERT	1	/* action must be taken immediately */
#define	LOG_CRIT	2	/* critical conditions */
#define	LOG_ERR		3	/* error conditions */
#define	LOG_WARNING	4	/* warning conditions */
#define	LOG_NOTICE	5	/* normal but significant condition */
#define	LOG_INFO	6	/* informational */
#define	LOG_DEBUG	7	/* debug-level messages */
#define	LOG_PRIMASK	0x07	/* mask to extract priority part */
#define	LOG_PRI(p)	((p) & LOG_PRIMASK)
#define	LOG_KERN	(0<<3)	/* kernel messages */
#define	LOG_USER	(1<<3)	/* random user-level messages */
#define	LOG_DAEMON	(3<<3)	/* system daemons */

#endif /* !_SYS_SYSLOG_H_ */
