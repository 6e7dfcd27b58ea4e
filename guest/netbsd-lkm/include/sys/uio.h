/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/uio.h>: scatter/gather I/O descriptors handed to d_read/d_write.
 *
 * Provenance: NetBSD sys/sys/uio.h of the 1.5/1.6 era (rev. 1.2x, 2002),
 * the same layout kept in the OpenBSD copy derived from NetBSD uio.h 1.12:
 *   struct iovec { void *iov_base; size_t iov_len; };
 *   struct uio   { struct iovec *uio_iov; int uio_iovcnt; off_t uio_offset;
 *                  size_t uio_resid; enum uio_seg uio_segflg;
 *                  enum uio_rw uio_rw; struct proc *uio_procp; };
 * uio_procp became uio_lwp only in NetBSD 2.0.
 *
 * Offsets (checked by guest/netbsd-lkm/layout/sdk_layout.c):
 *            i386   x86_64
 * uio_iov       0        0
 * uio_iovcnt    4        8
 * uio_offset    8       16   (off_t is 8 bytes; 4-byte aligned on i386)
 * uio_resid    16       24
 * uio_segflg   20       32
 * uio_rw       24       36
 * uio_procp    28       40
 * sizeof       32       48
 * iovec: iov_base 0, iov_len 4 (i386) / 8 (x86_64); sizeof 8 / 16.
 *
 * uiomove(buf, n, uio) moves min(n, uio_resid) bytes between the kernel
 * buffer and the iovecs: kernel -> iovecs for UIO_READ, iovecs -> kernel for
 * UIO_WRITE, advancing iov_base/iov_len/uio_resid/uio_offset; it returns 0 or
 * EFAULT.  The prototype takes size_t as in 1.6 kern_subr.c.
 */
#ifndef _SYS_UIO_H_
#define	_SYS_UIO_H_

#include <sys/types.h>

struct iovec {
	void	*iov_base;	/* Base address. */
	size_t	 iov_len;	/* Length. */
};

enum	uio_rw { UIO_READ, UIO_WRITE };

/* Segment flag values. */
enum uio_seg {
	UIO_USERSPACE,		/* from user data space */
	UIO_SYSSPACE		/* from system space */
};

#ifdef _KERNEL
struct uio {
	struct	iovec *uio_iov;	/* pointer to array of iovecs */
	int	uio_iovcnt;	/* number of iovecs in array */
	off_t	uio_offset;	/* offset into file this uio corresponds to */
	size_t	uio_resid;	/* residual i/o count */
	enum	uio_seg uio_segflg; /* see above */
	enum	uio_rw uio_rw;	/* see above */
	struct	proc *uio_procp;/* process if UIO_USERSPACE */
};

#define	UIO_SMALLIOV	8		/* 8 on stack, else malloc */

int	uiomove(void *, size_t, struct uio *);
int	ureadc(int, struct uio *);
#endif /* _KERNEL */

#define	UIO_MAXIOV	1024		/* max 1K of iov's */

#endif /* !_SYS_UIO_H_ */
