/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/uio.h>.
 *
 * struct uio as FreeBSD 14 lays it out (sys/sys/uio.h):
 *                 iov  iovcnt  offset  resid  segflg  rw  td   size
 *   amd64 offsets   0      8      16     24      32   36  40    48
 *   i386  offsets   0      4       8     16      20   24  28    32
 * (on i386 the 64-bit off_t is only 4-aligned inside a struct). A driver's d_read
 * and d_write move data with uiomove(9), which copies toward the user for UIO_READ
 * and from the user for UIO_WRITE, advancing uio_offset and reducing uio_resid.
 */
#ifndef _SYS_UIO_H_
#define _SYS_UIO_H_

#include <sys/cdefs.h>
#include <sys/_types.h>
#include <sys/_iovec.h>
#include <sys/_uio.h>

#ifndef _SSIZE_T_DECLARED
typedef	__ssize_t	ssize_t;
#define	_SSIZE_T_DECLARED
#endif
#ifndef _OFF_T_DECLARED
typedef	__off_t	off_t;
#define	_OFF_T_DECLARED
#endif

#ifdef _KERNEL

struct uio {
	struct	iovec *uio_iov;		/* scatter/gather list */
	int	uio_iovcnt;		/* length of scatter/gather list */
	off_t	uio_offset;		/* offset in target object */
	ssize_t	uio_resid;		/* remaining bytes to process */
	enum	uio_seg uio_segflg;	/* address space */
	enum	uio_rw uio_rw;		/* operation */
	struct	thread *uio_td;		/* owner */
};

/* Limits: a uio may describe at most UIO_MAXIOV segments. */
#define	UIO_MAXIOV	1024

struct vm_object;
struct vm_page;
struct bus_dma_segment;

struct uio *cloneuio(struct uio *uiop);
int	copyiniov(const struct iovec *iovp, u_int iovcnt, struct iovec **iov,
	    int error);
int	copyinuio(const struct iovec *iovp, u_int iovcnt, struct uio **uiop);
int	copyout_map(struct thread *td, vm_offset_t *addr, size_t sz);
int	copyout_unmap(struct thread *td, vm_offset_t addr, size_t sz);
int	physcopyin(void *src, vm_paddr_t dst, size_t len);
int	physcopyout(vm_paddr_t src, void *dst, size_t len);
int	uiomove(void *cp, int n, struct uio *uio);
int	uiomove_frombuf(void *buf, int buflen, struct uio *uio);
int	uiomove_nofault(void *cp, int n, struct uio *uio);
int	uiomove_object(struct vm_object *obj, off_t obj_size, struct uio *uio);

#endif /* _KERNEL */

#endif /* !_SYS_UIO_H_ */
