/*
 * nullread -- a MOD_DEV character device whose read entry point reads
 * through a NULL pointer.
 *
 * Job: a guest page fault inside a device entry point that the kernel
 * calls (read(2) -> d_read), after the module has already run other code
 * (its load hook calls printf, leaving that call's frames on the stack).
 * kemu must fail the read with EFAULT, report an oops whose backtrace
 * starts in nullread_read and stops where the kernel entered the guest --
 * no frames of earlier, finished calls -- and stay usable: open and close
 * keep working.  Built with -g too (nullread-g.o) so the oops can name
 * the source line.  As in nullderef, the pointer is a volatile global so
 * no compiler turns the read into a trap instruction.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/errno.h>
#include <sys/proc.h>
#include <sys/uio.h>
#include <sys/lkm.h>

#include "kemu_test.h"

int nullread_lkmentry(struct lkm_table *, int, int);

static dev_type_open(nullread_open);
static dev_type_close(nullread_close);
static dev_type_read(nullread_read);

static struct cdevsw nullread_cdevsw = {
	nullread_open,
	nullread_close,
	nullread_read,
	(dev_type_write((*))) enodev,
	(dev_type_ioctl((*))) enodev,
	(dev_type_stop((*))) enodev,
	0,
	(dev_type_poll((*))) enodev,
	(dev_type_mmap((*))) enodev,
	0
};

MOD_DEV("nullread", LM_DT_CHAR, -1, &nullread_cdevsw);

int *volatile nullread_target;		/* always NULL */

static int
nullread_open(dev_t dev, int flag, int mode, struct proc *p)
{
	return (0);
}

static int
nullread_close(dev_t dev, int flag, int mode, struct proc *p)
{
	return (0);
}

static int KEMU_NAMED_FRAME
nullread_read(dev_t dev, struct uio *uio, int flag)
{
	return (*nullread_target);
}

static int KEMU_NAMED_FRAME
nullread_load(struct lkm_table *lkmtp, int cmd)
{
	printf("nullread: loaded, reading will fault at %p\n",
	    (void *)nullread_target);
	return (0);
}

int
nullread_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, nullread_load, lkm_nofunc, lkm_nofunc);
}
