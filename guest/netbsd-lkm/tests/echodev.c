/*
 * echodev -- a MOD_DEV character device that keeps what is written to it
 * and gives it back on read, first in first out.
 *
 * Job: the data paths of a real driver, none of them through enodev:
 *   write  uiomove(UIO_WRITE) appends to a kernel buffer; a write that finds
 *          the buffer full is ENOSPC, one that only partly fits is short;
 *   read   uiomove(UIO_READ) hands out the oldest bytes and drops them;
 *          with nothing stored it returns 0 bytes (end of file);
 *   ioctl  _IOR/_IOW/_IO commands from echodev.h: stored length, capacity,
 *          resize (malloc the new buffer, copy, free the old one), clear;
 *          any other command is ENOTTY;
 *   malloc/free with M_DEVBUF: the buffer is allocated on load and freed on
 *          unload, so a clean load/unload cycle leaks nothing.
 * Only minor 0 exists (others are ENXIO); the device may be opened many
 * times, and the module refuses to unload (EBUSY) while it is open.
 * NetBSD's specfs calls d_open on every open but d_close only when the last
 * reference to the device goes (spec_close), so the driver keeps a per-minor
 * "is open" flag -- a bit of echo_openmask, set in open, cleared in close --
 * rather than a count of opens.
 *
 * As with every 1.6 LKM, the load hook runs before lkmdispatch() assigns a
 * major number: if that assignment then fails (ENFILE, no free slot), the
 * buffer allocated here is never freed -- NetBSD 1.6 behaves the same way.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/errno.h>
#include <sys/fcntl.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/uio.h>
#include <sys/lkm.h>

#include "echodev.h"

int echodev_lkmentry(struct lkm_table *, int, int);

static dev_type_open(echo_open);
static dev_type_close(echo_close);
static dev_type_read(echo_read);
static dev_type_write(echo_write);
static dev_type_ioctl(echo_ioctl);

static struct cdevsw echo_cdevsw = {
	echo_open,
	echo_close,
	echo_read,
	echo_write,
	echo_ioctl,
	(dev_type_stop((*))) enodev,
	0,
	(dev_type_poll((*))) enodev,
	(dev_type_mmap((*))) enodev,
	0
};

MOD_DEV("echodev", LM_DT_CHAR, -1, &echo_cdevsw);

static char *echo_buf;		/* M_DEVBUF, echo_cap bytes */
static size_t echo_cap;		/* size of echo_buf */
static size_t echo_len;		/* bytes stored, from echo_buf[0] */
#define	ECHO_NDEVS	1		/* minors 0 .. ECHO_NDEVS-1 exist */
static u_int32_t echo_openmask;	/* bit n: minor n is open (until its last close) */

static int
echo_open(dev_t dev, int flag, int mode, struct proc *p)
{
	if (minor(dev) >= ECHO_NDEVS)
		return (ENXIO);
	echo_openmask |= 1U << minor(dev);
	return (0);
}

static int
echo_close(dev_t dev, int flag, int mode, struct proc *p)
{
	if (minor(dev) < ECHO_NDEVS)
		echo_openmask &= ~(1U << minor(dev));
	return (0);
}

static int
echo_write(dev_t dev, struct uio *uio, int ioflag)
{
	size_t room, n;
	int error;

	if (uio->uio_resid == 0)
		return (0);
	room = echo_cap - echo_len;
	if (room == 0)
		return (ENOSPC);
	n = uio->uio_resid < room ? uio->uio_resid : room;
	error = uiomove(echo_buf + echo_len, n, uio);
	if (error)
		return (error);
	echo_len += n;
	return (0);
}

static int
echo_read(dev_t dev, struct uio *uio, int ioflag)
{
	size_t n;
	int error;

	n = uio->uio_resid < echo_len ? uio->uio_resid : echo_len;
	if (n == 0)
		return (0);
	error = uiomove(echo_buf, n, uio);
	if (error)
		return (error);
	/* drop what was read; bcopy copes with the overlap */
	bcopy(echo_buf + n, echo_buf, echo_len - n);
	echo_len -= n;
	return (0);
}

static int
echo_resize(int newcap)
{
	char *nbuf;

	if (newcap <= 0 || newcap > ECHO_MAX_CAP || (size_t)newcap < echo_len)
		return (EINVAL);
	nbuf = malloc((u_long)newcap, M_DEVBUF, M_WAITOK);
	if (echo_len > 0)
		bcopy(echo_buf, nbuf, echo_len);
	free(echo_buf, M_DEVBUF);
	echo_buf = nbuf;
	echo_cap = (size_t)newcap;
	return (0);
}

static int
echo_ioctl(dev_t dev, u_long cmd, caddr_t data, int flag, struct proc *p)
{
	switch (cmd) {
	case ECHOIOCGLEN:
		*(int *)data = (int)echo_len;
		return (0);
	case ECHOIOCGCAP:
		*(int *)data = (int)echo_cap;
		return (0);
	case ECHOIOCSCAP:
		if ((flag & FWRITE) == 0)
			return (EBADF);
		return (echo_resize(*(int *)data));
	case ECHOIOCCLEAR:
		echo_len = 0;
		return (0);
	default:
		return (ENOTTY);
	}
}

static int
echo_handle(struct lkm_table *lkmtp, int cmd)
{
	switch (cmd) {
	case LKM_E_LOAD:
		if (lkmexists(lkmtp))
			return (EEXIST);
		echo_buf = malloc(ECHO_DEFAULT_CAP, M_DEVBUF, M_WAITOK);
		echo_cap = ECHO_DEFAULT_CAP;
		echo_len = 0;
		echo_openmask = 0;
		printf("echodev: %lu byte buffer at %p\n",
		    (u_long)echo_cap, echo_buf);
		break;
	case LKM_E_UNLOAD:
		if (echo_openmask != 0)
			return (EBUSY);
		free(echo_buf, M_DEVBUF);
		echo_buf = NULL;
		echo_cap = echo_len = 0;
		printf("echodev: unloaded\n");
		break;
	case LKM_E_STAT:
		break;
	default:
		return (EIO);
	}
	return (0);
}

int
echodev_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, echo_handle, echo_handle, echo_handle);
}
