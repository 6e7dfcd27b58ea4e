/* kemu guest SDK -- NetBSD 10.  <sys/ioctl.h>: the ioctl encoding macros. */
#ifndef _SYS_IOCTL_H_
#define	_SYS_IOCTL_H_
#include <sys/ioccom.h>
#endif /* !_SYS_IOCTL_H_ */
