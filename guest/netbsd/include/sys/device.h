/*
 * kemu guest SDK -- NetBSD 10.  <sys/device.h>: autoconfiguration names a
 * module may mention.  Drivers attached through autoconf(9) are not
 * modelled; device_t and cfdriver_t are opaque pointers (NetBSD 10
 * sys/sys/device.h declares them the same way in sys/types.h).
 */
#ifndef _SYS_DEVICE_H_
#define	_SYS_DEVICE_H_

#include <sys/types.h>

const char *device_xname(device_t);
int	device_unit(device_t);

#endif /* !_SYS_DEVICE_H_ */
