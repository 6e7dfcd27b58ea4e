/* kemu guest SDK for FreeBSD 14.3 klds: <sys/syslimits.h>: FreeBSD's system limits. */
#ifndef _SYS_SYSLIMITS_H_
#define _SYS_SYSLIMITS_H_

#define	ARG_MAX		(2 * 256 * 1024)
#define	CHILD_MAX	40
#define	MAX_CANON	255
#define	MAX_INPUT	255
#define	NAME_MAX	255
#define	NGROUPS_MAX	1023
#define	OPEN_MAX	64
#define	PATH_MAX	1024
#define	PIPE_BUF	512
#define	IOV_MAX		1024

#endif /* !_SYS_SYSLIMITS_H_ */
