/* kemu guest SDK for FreeBSD 14.3 klds: <sys/_timespec.h>: struct timespec (8 bytes i386, 16 amd64). */
#ifndef _SYS__TIMESPEC_H_
#define _SYS__TIMESPEC_H_

#include <sys/_types.h>

struct timespec {
	__time_t	tv_sec;		/* seconds */
	long		tv_nsec;	/* and nanoseconds */
};

#endif /* !_SYS__TIMESPEC_H_ */
