/*
 * fibo -- the FIBONACCI character device of guest/netbsd-lkm/fibo/fibo.c, ported to
 * FreeBSD 14 as a kld: the same devices and the same numbers, declared the FreeBSD way.
 *
 * Eight devices /dev/fibo0 .. /dev/fibo7 (make_dev(9), root:wheel, mode 0444), each
 * with its own state in si_drv1; each read(2) returns the next Fibonacci numbers as
 * 32-bit unsigned integers: 1, 1, 2, 3, 5, ..., 2971215073, and then the sequence
 * starts again at 1, 1, 2. A read asking for fewer than 4 bytes is EINVAL; a read
 * never reaches end of file. Each device can be opened once at a time (EBUSY
 * otherwise), and the module refuses MOD_QUIESCE and MOD_UNLOAD with EBUSY while any
 * device is open, so `kldunload fibo' fails with "Device busy" then.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/conf.h>
#include <sys/uio.h>

#define	MAXFIBODEVS	8		/* /dev/fibo0..7 */
#define	MAXFIBONUM	2971215073U	/* F(47), the largest that fits 32 bits */

struct fibo_softc {
	int		sc_refcnt;	/* opens of this device (0 or 1) */
	uint32_t	sc_current;	/* next number to hand out */
	uint32_t	sc_previous;	/* the one before it */
	struct cdev	*sc_cdev;
};

static d_open_t		fibo_open;
static d_close_t	fibo_close;
static d_read_t		fibo_read;

static struct cdevsw fibo_cdevsw = {
	.d_version =	D_VERSION,
	.d_open =	fibo_open,
	.d_close =	fibo_close,
	.d_read =	fibo_read,
	.d_name =	"fibo",
};

static struct fibo_softc fibo_scs[MAXFIBODEVS];
static int fibo_refcnt;		/* devices currently open */

static int
fibo_open(struct cdev *dev, int oflags, int devtype, struct thread *td)
{
	struct fibo_softc *sc = dev->si_drv1;

	if (sc->sc_refcnt > 0)
		return (EBUSY);
	sc->sc_current = 1;
	sc->sc_previous = 0;
	sc->sc_refcnt++;
	fibo_refcnt++;
	return (0);
}

static int
fibo_close(struct cdev *dev, int fflag, int devtype, struct thread *td)
{
	struct fibo_softc *sc = dev->si_drv1;

	sc->sc_refcnt--;
	fibo_refcnt--;
	return (0);
}

static int
fibo_read(struct cdev *dev, struct uio *uio, int ioflag)
{
	struct fibo_softc *sc = dev->si_drv1;
	int error;

	if (uio->uio_resid < (ssize_t)sizeof(uint32_t))
		return (EINVAL);

	while (uio->uio_resid >= (ssize_t)sizeof(uint32_t)) {
		error = uiomove(&sc->sc_current, sizeof(sc->sc_current), uio);
		if (error != 0)
			return (error);

		if (sc->sc_current > MAXFIBONUM - 1) {
			/* F(47) handed out: start again at 1, 1, 2 */
			sc->sc_current = 1;
			sc->sc_previous = 0;
		} else {
			uint32_t tmp = sc->sc_current;

			sc->sc_current += sc->sc_previous;
			sc->sc_previous = tmp;
		}
	}
	return (0);
}

static void
fibo_destroy_devices(void)
{
	int i;

	for (i = 0; i < MAXFIBODEVS; i++) {
		if (fibo_scs[i].sc_cdev != NULL) {
			destroy_dev(fibo_scs[i].sc_cdev);
			fibo_scs[i].sc_cdev = NULL;
		}
	}
}

static int
fibo_modevent(module_t mod, int what, void *arg)
{
	struct cdev *dev;
	int i;

	switch (what) {
	case MOD_LOAD:
		bzero(fibo_scs, sizeof(fibo_scs));
		for (i = 0; i < MAXFIBODEVS; i++) {
			dev = make_dev(&fibo_cdevsw, i, UID_ROOT, GID_WHEEL, 0444,
			    "fibo%d", i);
			dev->si_drv1 = &fibo_scs[i];
			fibo_scs[i].sc_cdev = dev;
		}
		printf("fibo: FIBONACCI driver loaded successfully\n");
		return (0);

	case MOD_QUIESCE:
	case MOD_UNLOAD:
		if (fibo_refcnt > 0)
			return (EBUSY);
		if (what == MOD_UNLOAD) {
			fibo_destroy_devices();
			printf("fibo: FIBONACCI driver unloaded\n");
		}
		return (0);

	case MOD_SHUTDOWN:
		return (0);

	default:
		return (EOPNOTSUPP);
	}
}

DEV_MODULE(fibo, fibo_modevent, NULL);
MODULE_VERSION(fibo, 1);
