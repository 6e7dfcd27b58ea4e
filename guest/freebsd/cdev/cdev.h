/*
 * cdev: a two-source kld in the style of FreeBSD's share/examples/kld/cdev (written for
 * kemu): cdevmod.c holds the module glue, cdev.c the device. Shared declarations.
 */
#ifndef _KEMU_CDEV_H_
#define _KEMU_CDEV_H_

#include <sys/ioccom.h>

/* ioctl: tells the driver to print "cdev: CDEV_IOCTL1 called" and returns its open count. */
#define	CDEV_IOCTL1	_IOR('C', 1, u_int)

d_open_t	mydev_open;
d_close_t	mydev_close;
d_ioctl_t	mydev_ioctl;
d_write_t	mydev_write;
d_read_t	mydev_read;

#endif /* !_KEMU_CDEV_H_ */
