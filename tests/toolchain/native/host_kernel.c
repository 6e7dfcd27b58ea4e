/*
 * host_kernel.c -- just enough "kernel" to run a guest module's C natively on the host.
 *
 * Why: the toolchain tests pin down what the guest modules themselves do (fibo's
 * sequence and wrap, echodev's buffer and ioctls, DISPATCH's order) without needing
 * kemu's emulator, which is built elsewhere.  The module objects are the ones kemu cc
 * produces for x86_64 (SysV ABI, like the host); this file and the probe programs are
 * compiled against the same guest SDK and linked with the host C library.
 *
 * Services here follow the NetBSD 1.6 contracts the SDK documents: uiomove moves
 * min(n, uio_resid) bytes (UIO_SYSSPACE only -- the probes own every buffer);
 * printf formats with the host's vsnprintf (the probed modules use no %b);
 * malloc(size, type, flags) is linked as native_kmalloc via -Dmalloc=native_kmalloc
 * so it does not collide with the host's malloc.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/uio.h>
#include <sys/lkm.h>

long	write(int, const void *, unsigned long);
void	*calloc(unsigned long, unsigned long);
void	 free(void *);			/* the host C library's free */

int	host_lkm_exists;		/* what lkmexists() answers */
int	host_lkmdispatch_calls;		/* how often lkmdispatch() ran */
int	host_lkmdispatch_last_cmd;
int	host_live_allocations;		/* native_kmalloc minus native_kfree */

void
printf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	write(1, line, (unsigned long)n);
}

int
uiomove(void *buf, size_t n, struct uio *uio)
{
	char *kbuf = buf;

	if (uio->uio_segflg != UIO_SYSSPACE)
		return (EFAULT);
	while (n > 0 && uio->uio_resid > 0) {
		struct iovec *iov = uio->uio_iov;
		size_t cnt;

		if (iov->iov_len == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
			continue;
		}
		cnt = iov->iov_len < n ? iov->iov_len : n;
		if (uio->uio_rw == UIO_READ)
			memcpy(iov->iov_base, kbuf, cnt);
		else
			memcpy(kbuf, iov->iov_base, cnt);
		iov->iov_base = (char *)iov->iov_base + cnt;
		iov->iov_len -= cnt;
		uio->uio_resid -= cnt;
		uio->uio_offset += cnt;
		kbuf += cnt;
		n -= cnt;
	}
	return (0);
}

int
lkmexists(struct lkm_table *lkmtp)
{
	return (host_lkm_exists);
}

int
lkmdispatch(struct lkm_table *lkmtp, int cmd)
{
	host_lkmdispatch_calls++;
	host_lkmdispatch_last_cmd = cmd;
	return (0);
}

int
lkm_nofunc(struct lkm_table *lkmtp, int cmd)
{
	return (0);
}

int
enodev(void)
{
	return (ENODEV);
}

void *
native_kmalloc(unsigned long size, int type, int flags)
{
	host_live_allocations++;
	return (calloc(1, size));	/* zeroed whether or not M_ZERO was asked */
}

void
native_kfree(void *addr, int type)
{
	host_live_allocations--;
	free(addr);
}

/* Helpers the probes use to drive a character device like the file layer would. */
int
host_rw(struct cdevsw *cd, dev_t dev, enum uio_rw rw, void *buf, size_t n, size_t *moved)
{
	struct iovec iov;
	struct uio uio;
	int error;

	iov.iov_base = buf;
	iov.iov_len = n;
	uio.uio_iov = &iov;
	uio.uio_iovcnt = 1;
	uio.uio_offset = 0;
	uio.uio_resid = n;
	uio.uio_segflg = UIO_SYSSPACE;
	uio.uio_rw = rw;
	uio.uio_procp = NULL;
	error = rw == UIO_READ ? cd->d_read(dev, &uio, 0) : cd->d_write(dev, &uio, 0);
	*moved = n - uio.uio_resid;
	return (error);
}
