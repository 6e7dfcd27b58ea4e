/*
 * fibo -- the FIBONACCI character device as a NetBSD 10 module(9) driver.
 *
 * The same device as guest/netbsd-lkm/fibo/fibo.c (the NetBSD 1.6 LKM
 * tutorial's driver), written the way a NetBSD 10 driver module is:
 * MODULE(MODULE_CLASS_DRIVER, fibo, NULL), a modcmd that attaches the
 * character device switch with devsw_attach() on MODULE_CMD_INIT and
 * detaches it on MODULE_CMD_FINI, and d_* entry points taking a 64-bit
 * dev_t and a struct lwp *.
 *
 * Eight minor devices /dev/fibo0../dev/fibo7; each read(2) returns the next
 * Fibonacci numbers as 32-bit unsigned integers: 1, 1, 2, 3, 5, ...,
 * 2971215073, and then the sequence starts again at 1, 1, 2.  A read asking
 * for fewer than 4 bytes is EINVAL; a read never reaches end of file.  Each
 * minor can be opened once at a time (EBUSY), a minor past 7 is ENXIO, and
 * MODULE_CMD_FINI refuses (EBUSY) while any minor is open.  The major number
 * is whatever devsw_attach chose (NODEVMAJOR asks for a free one); the
 * module prints it, as `mknod /dev/fibo0 c MAJOR 0` needs it.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/errno.h>
#include <sys/uio.h>
#include <sys/module.h>

#define	MAXFIBODEVS	8		/* minor devices /dev/fibo0..7 */
#define	MAXFIBONUM	2971215073U	/* F(47), largest that fits 32 bits */

MODULE(MODULE_CLASS_DRIVER, fibo, NULL);

static dev_type_open(fibo_open);
static dev_type_close(fibo_close);
static dev_type_read(fibo_read);

static const struct cdevsw fibo_cdevsw = {
	.d_open = fibo_open,
	.d_close = fibo_close,
	.d_read = fibo_read,
	.d_write = nowrite,
	.d_ioctl = noioctl,
	.d_stop = nostop,
	.d_tty = notty,
	.d_poll = nopoll,
	.d_mmap = nommap,
	.d_kqfilter = nokqfilter,
	.d_discard = nodiscard,
	.d_flag = D_OTHER
};

struct fibo_softc {
	int		sc_refcnt;	/* opens of this minor (0 or 1) */
	uint32_t	sc_current;	/* next number to hand out */
	uint32_t	sc_previous;	/* the one before it */
};

static struct fibo_softc fibo_scs[MAXFIBODEVS];
static int fibo_refcnt;			/* minors open: FINI waits for 0 */

static int
fibo_modcmd(modcmd_t cmd, void *arg)
{
	devmajor_t bmajor = NODEVMAJOR, cmajor = NODEVMAJOR;
	int error;

	switch (cmd) {
	case MODULE_CMD_INIT:
		memset(fibo_scs, 0, sizeof(fibo_scs));
		fibo_refcnt = 0;
		error = devsw_attach("fibo", NULL, &bmajor, &fibo_cdevsw,
		    &cmajor);
		if (error != 0) {
			printf("fibo: devsw_attach failed, error %d\n", error);
			return error;
		}
		printf("fibo: FIBONACCI driver loaded successfully "
		    "(major %d)\n", cmajor);
		return 0;

	case MODULE_CMD_FINI:
		if (fibo_refcnt > 0)
			return EBUSY;
		devsw_detach(NULL, &fibo_cdevsw);
		printf("fibo: FIBONACCI driver unloaded\n");
		return 0;

	default:
		return ENOTTY;
	}
}

static int
fibo_open(dev_t dev, int flag, int mode, struct lwp *l)
{
	struct fibo_softc *sc;

	if (minor(dev) >= MAXFIBODEVS)
		return ENXIO;
	sc = &fibo_scs[minor(dev)];
	if (sc->sc_refcnt > 0)
		return EBUSY;

	sc->sc_current = 1;
	sc->sc_previous = 0;
	sc->sc_refcnt++;
	fibo_refcnt++;
	return 0;
}

static int
fibo_close(dev_t dev, int flag, int mode, struct lwp *l)
{
	struct fibo_softc *sc = &fibo_scs[minor(dev)];

	sc->sc_refcnt--;
	fibo_refcnt--;
	return 0;
}

static int
fibo_read(dev_t dev, struct uio *uio, int flag)
{
	struct fibo_softc *sc = &fibo_scs[minor(dev)];
	int error;

	if (uio->uio_resid < sizeof(uint32_t))
		return EINVAL;

	while (uio->uio_resid >= sizeof(uint32_t)) {
		error = uiomove(&sc->sc_current, sizeof(sc->sc_current), uio);
		if (error != 0)
			return error;

		if (sc->sc_current > MAXFIBONUM - 1) {	/* wrap after F(47) */
			sc->sc_current = 1;
			sc->sc_previous = 0;
		} else {
			uint32_t tmp = sc->sc_current;

			sc->sc_current += sc->sc_previous;
			sc->sc_previous = tmp;
		}
	}
	return 0;
}
