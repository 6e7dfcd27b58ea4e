/* kemu guest SDK for FreeBSD 14.3 klds: <sys/ioctl.h> (the encoding lives in <sys/ioccom.h>). */
#ifndef _SYS_IOCTL_H_
#define _SYS_IOCTL_H_
#include <sys/ioccom.h>
#endif
