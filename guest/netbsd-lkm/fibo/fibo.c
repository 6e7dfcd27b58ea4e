/*
 * fibo -- the FIBONACCI character device from "Introduction to NetBSD
 * loadable kernel modules" (Benedikt Meurer, NetBSD 1.6), rebuilt as a
 * complete driver for kemu.
 *
 * Eight minor devices /dev/fibo0../dev/fibo7; each read(2) returns the next
 * Fibonacci numbers as 32-bit unsigned integers: 1, 1, 2, 3, 5, ...,
 * 2971215073, and then the sequence starts again at 1, 1, 2 (so every value
 * is below 2971215074, the largest Fibonacci number a u_int32_t can hold
 * being the 47th).  A read asking for fewer than 4 bytes is EINVAL; a read
 * never reaches end of file.  Each minor can be opened once at a time, and
 * the module refuses to unload while any minor is open.
 *
 * Reconstruction notes (the published page lost its braces, `break`s and
 * the reference-count lines; what follows fills them in the only way
 * consistent with the text):
 *   - fibo_handle returns EIO for an unknown command and 0 otherwise;
 *   - open/close bump/drop both the per-minor and the module counters;
 *   - in fibo_read the overflow check and the "calculate" step are the two
 *     arms of one if/else: after 2971215073 the state is reset to (1, 0) and
 *     the next number read is that 1, then 1 + 0 = 1, then 2 -- the same
 *     start as a freshly opened device.
 *   - MAXFIBONUM is 2971215073: "if (sc_current > MAXFIBONUM - 1)" resets
 *     exactly after 2971215073 has been handed out.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/errno.h>
#include <sys/uio.h>
#include <sys/proc.h>
#include <sys/lkm.h>

#define	MAXFIBODEVS	8		/* minor devices /dev/fibo0..7 */
#define	MAXFIBONUM	2971215073U	/* F(47), largest that fits 32 bits */

static int fibo_open(dev_t, int, int, struct proc *);
static int fibo_close(dev_t, int, int, struct proc *);
static int fibo_read(dev_t dev, struct uio *, int);
static int fibo_handle(struct lkm_table *, int);
int fibo_lkmentry(struct lkm_table *, int, int);

static struct cdevsw fibo_dev = {
	fibo_open,
	fibo_close,
	fibo_read,
	(dev_type_write((*))) enodev,
	(dev_type_ioctl((*))) enodev,
	(dev_type_stop((*))) enodev,
	0,
	(dev_type_poll((*))) enodev,
	(dev_type_mmap((*))) enodev,
	0
};

#if (__NetBSD_Version__ >= 106080000)
MOD_DEV("fibo", "fibo", NULL, -1, &fibo_dev, -1);
#else
MOD_DEV("fibo", LM_DT_CHAR, -1, &fibo_dev);
#endif

/* Number of minor devices currently open: unloading waits for zero. */
static int fibo_refcnt = 0;

struct fibo_softc {
	int		sc_refcnt;	/* opens of this minor (0 or 1) */
	u_int32_t	sc_current;	/* next number to hand out */
	u_int32_t	sc_previous;	/* the one before it */
};

static struct fibo_softc fibo_scs[MAXFIBODEVS];

int
fibo_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, fibo_handle, fibo_handle, fibo_handle);
}

static int
fibo_handle(struct lkm_table *lkmtp, int cmd)
{
	switch (cmd) {
	case LKM_E_LOAD:
		/* check if module was already loaded */
		if (lkmexists(lkmtp))
			return (EEXIST);

		/* initialize minor device structures */
		bzero(fibo_scs, sizeof(fibo_scs));
		printf("fibo: FIBONACCI driver loaded successfully\n");
		break;

	case LKM_E_UNLOAD:
		/* check if a minor device is opened */
		if (fibo_refcnt > 0)
			return (EBUSY);
		break;

	case LKM_E_STAT:
		break;

	default:
		return (EIO);
	}

	return (0);
}

static int
fibo_open(dev_t dev, int flag, int mode, struct proc *p)
{
	struct fibo_softc *fibosc = (fibo_scs + minor(dev));

	if (minor(dev) >= MAXFIBODEVS)
		return (ENODEV);

	/* check if device already open */
	if (fibosc->sc_refcnt > 0)
		return (EBUSY);

	fibosc->sc_current = 1;
	fibosc->sc_previous = 0;

	/* increase device reference counter */
	fibosc->sc_refcnt++;

	/* increase module reference counter */
	fibo_refcnt++;

	return (0);
}

static int
fibo_close(dev_t dev, int flag, int mode, struct proc *p)
{
	struct fibo_softc *fibosc = (fibo_scs + minor(dev));

	/* decrease device reference counter */
	fibosc->sc_refcnt--;

	/* decrease module reference counter */
	fibo_refcnt--;

	return (0);
}

static int
fibo_read(dev_t dev, struct uio *uio, int flag)
{
	struct fibo_softc *fibosc = (fibo_scs + minor(dev));

	if (uio->uio_resid < sizeof(u_int32_t))
		return (EINVAL);

	while (uio->uio_resid >= sizeof(u_int32_t)) {
		int error;

		/* copy to user space */
		if ((error = uiomove(&(fibosc->sc_current),
		    sizeof(fibosc->sc_current), uio))) {
			return (error);
		}

		/* prevent overflow */
		if (fibosc->sc_current > (MAXFIBONUM - 1)) {
			fibosc->sc_current = 1;
			fibosc->sc_previous = 0;
		} else /* calculate */ {
			u_int32_t tmp;

			tmp = fibosc->sc_current;
			fibosc->sc_current += fibosc->sc_previous;
			fibosc->sc_previous = tmp;
		}
	}

	return (0);
}
