/* kemu guest SDK for FreeBSD 14.3 klds: <sys/time.h> (timespec, timeval, the kernel clock calls). */
#ifndef _SYS_TIME_H_
#define _SYS_TIME_H_

#include <sys/_timespec.h>
#include <sys/types.h>

struct timeval {
	time_t		tv_sec;		/* seconds */
	suseconds_t	tv_usec;	/* and microseconds */
};

struct bintime {
	time_t		sec;
	uint64_t	frac;
};

/* sbintime_t: seconds in the upper 32 bits, the fraction in the lower. */
#define	SBT_1S	((sbintime_t)1 << 32)
#define	SBT_1M	(SBT_1S * 60)
#define	SBT_1MS	(SBT_1S / 1000)
#define	SBT_1US	(SBT_1S / 1000000)
#define	SBT_1NS	(SBT_1S / 1000000000) /* beware rounding, see nstosbt() */
#define	SBT_MAX	0x7fffffffffffffffLL

static __inline sbintime_t
bttosbt(const struct bintime _bt)
{
	return (((sbintime_t)_bt.sec << 32) + (_bt.frac >> 32));
}

static __inline sbintime_t
mstosbt(int64_t _ms)
{
	return (_ms * SBT_1MS);
}

static __inline sbintime_t
ustosbt(int64_t _us)
{
	return (_us * SBT_1US);
}

#ifdef _KERNEL
extern sbintime_t	tick_sbt;
void	binuptime(struct bintime *bt);
void	getbinuptime(struct bintime *bt);
void	microuptime(struct timeval *tvp);
void	getmicrouptime(struct timeval *tvp);
sbintime_t sbinuptime(void);
sbintime_t getsbinuptime(void);
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
