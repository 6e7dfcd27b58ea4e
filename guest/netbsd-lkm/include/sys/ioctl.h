/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/ioctl.h>: ioctl encoding plus the generic file ioctls.
 *
 * Provenance: NetBSD <sys/ioctl.h> includes <sys/ioccom.h> and
 * <sys/filio.h>; the FIO* numbers below are the 4.4BSD/NetBSD filio.h ones.
 * Terminal ioctls (ttycom.h) are not provided: no kemu guest module is a tty.
 */
#ifndef _SYS_IOCTL_H_
#define	_SYS_IOCTL_H_

#include <sys/ioccom.h>

#define	FIOCLEX		_IO('f', 1)		/* set close on exec */
#define	FIONCLEX	_IO('f', 2)		/* remove close on exec */
#define	FIONREAD	_IOR('f', 127, int)	/* get # bytes to read */
#define	FIONBIO		_IOW('f', 126, int)	/* set/clear non-blocking i/o */
#define	FIOASYNC	_IOW('f', 125, int)	/* set/clear async i/o */

#endif /* !_SYS_IOCTL_H_ */
