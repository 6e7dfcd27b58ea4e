/*
 * cdev.c: the device half of the two-source cdev example. /dev/cdev keeps the last
 * string written (up to 511 bytes) and returns it, reversed, on read; reads honour the
 * file offset, so `cat' sees the string once and then end of file. CDEV_IOCTL1 prints
 * a line and copies out how many times the device was opened.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/uio.h>

#include "cdev.h"

#define	BUFFERSIZE 512

static char buf[BUFFERSIZE];
static size_t len;
static u_int opens;

int
mydev_open(struct cdev *dev, int flag, int otyp, struct thread *td)
{
	opens++;
	printf("cdev: opened (%u)\n", opens);
	return (0);
}

int
mydev_close(struct cdev *dev, int flag, int otyp, struct thread *td)
{
	printf("cdev: closed\n");
	return (0);
}

int
mydev_ioctl(struct cdev *dev, u_long cmd, caddr_t arg, int mode, struct thread *td)
{
	switch (cmd) {
	case CDEV_IOCTL1:
		printf("cdev: CDEV_IOCTL1 called\n");
		*(u_int *)arg = opens;
		return (0);
	default:
		return (ENOTTY);
	}
}

int
mydev_write(struct cdev *dev, struct uio *uio, int ioflag)
{
	char tmp[BUFFERSIZE];
	size_t i, n;
	int error;

	n = MIN((size_t)uio->uio_resid, BUFFERSIZE - 1);
	error = uiomove(tmp, (int)n, uio);
	if (error != 0)
		return (error);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	len = n;
	return (0);
}

int
mydev_read(struct cdev *dev, struct uio *uio, int ioflag)
{
	return (uiomove_frombuf(buf, (int)len, uio));
}
