/*
 * kemu guest SDK -- NetBSD 10.  <sys/kernel.h>: global kernel variables a
 * module may read (NetBSD 10 sys/sys/kernel.h, subset).  time_second and
 * time_uptime are the seconds of the (virtual) clock; hz is the tick rate.
 */
#ifndef _SYS_KERNEL_H_
#define	_SYS_KERNEL_H_

#include <sys/types.h>

extern int hz;
extern int cold;
extern int rtc_offset;
extern volatile time_t time_second;
extern volatile time_t time_uptime;
extern const char ostype[];
extern const char osrelease[];
extern const char version[];
extern const char machine[];
extern const char machine_arch[];

#endif /* !_SYS_KERNEL_H_ */
