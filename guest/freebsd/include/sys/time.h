/* kemu guest SDK for FreeBSD 14.3 klds: <sys/time.h> (timespec, timeval, the kernel clock calls). */
#ifndef _SYS_TIME_H_
#define _SYS_TIME_H_

#include <sys/_timespec.h>
#include <sys/types.h>

struct timeval {
	time_t		tv_sec;		/* seconds */
	suseconds_t	tv_usec;	/* and microseconds */
};

#ifdef _KERNEL
extern volatile time_t	time_second;
extern volatile time_t	time_uptime;
void	getmicrotime(struct timeval *tvp);
void	getnanotime(struct timespec *tsp);
void	microtime(struct timeval *tv);
void	nanotime(struct timespec *tsp);
void	getnanouptime(struct timespec *tsp);
void	nanouptime(struct timespec *tsp);
#endif

#endif /* !_SYS_TIME_H_ */
