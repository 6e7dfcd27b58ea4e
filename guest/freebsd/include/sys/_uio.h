/* kemu guest SDK for FreeBSD 14.3 klds: <sys/_uio.h>: the uio direction and segment enums. */
#ifndef _SYS__UIO_H_
#define _SYS__UIO_H_

#ifdef _KERNEL
enum uio_rw {
	UIO_READ,
	UIO_WRITE
};

/* Segment flag values. */
enum uio_seg {
	UIO_USERSPACE,		/* from user data space */
	UIO_SYSSPACE,		/* from system space */
	UIO_NOCOPY		/* don't copy, already in object */
};
#endif

#endif /* !_SYS__UIO_H_ */
