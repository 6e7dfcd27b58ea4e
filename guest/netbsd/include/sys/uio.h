/*
 * kemu guest SDK -- NetBSD 10.  <sys/uio.h>: scatter/gather I/O.
 *
 * Provenance: NetBSD 10 sys/sys/uio.h (1.36).  struct uio lost 4.4BSD's
 * uio_segflg and uio_procp in NetBSD 5: the address space is the
 * uio_vmspace pointer (the kernel's vmspace means kernel memory, what
 * UIO_SETUP_SYSSPACE sets).  Offsets, as kemu builds it for d_read and
 * d_write:
 *   struct uio    iov, iovcnt, offset, resid, rw, vmspace; size
 *     i386        0    4       8       16     20  24;      28
 *     amd64       0    8       16      24     32  40;      48
 *   struct iovec  base 0, len 4/8; size 8/16.
 * uiomove(buf, n, uio) moves min(n, uio_resid) bytes in the direction of
 * uio_rw and advances the uio (sys/systm.h in NetBSD declares it there).
 */
#ifndef _SYS_UIO_H_
#define	_SYS_UIO_H_

#include <sys/types.h>

struct iovec {
	void	*iov_base;	/* Base address. */
	size_t	 iov_len;	/* Length. */
};

enum	uio_rw { UIO_READ, UIO_WRITE };

/* Segment flag values (for callers of copy functions; not in struct uio). */
enum uio_seg {
	UIO_USERSPACE,		/* from user data space */
	UIO_SYSSPACE		/* from system space */
};

struct vmspace;

struct uio {
	struct	iovec *uio_iov;	/* pointer to array of iovecs */
	int	uio_iovcnt;	/* number of iovecs in array */
	off_t	uio_offset;	/* offset into file this uio corresponds to */
	size_t	uio_resid;	/* residual i/o count */
	enum	uio_rw uio_rw;	/* see above */
	struct	vmspace *uio_vmspace;
};

#define	UIO_SETUP_SYSSPACE(uio)	uio_setup_sysspace(uio)
#define	UIO_MAXIOV	1024
#define	UIO_SMALLIOV	8

#ifdef _KERNEL
void	uio_setup_sysspace(struct uio *);
int	uiomove(void *, size_t, struct uio *);
int	uiomove_frombuf(void *, size_t, struct uio *);
int	ureadc(int, struct uio *);
#endif

#endif /* !_SYS_UIO_H_ */
