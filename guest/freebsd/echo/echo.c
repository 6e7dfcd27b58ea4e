/*
 * echo: the echo pseudo-device of the FreeBSD Architecture Handbook's character-device
 * chapter, written for kemu against the FreeBSD 14 API. One node /dev/echo (root:wheel,
 * mode 0600) made with make_dev_s(9), whose softc is passed in mda_si_drv1:
 *   write(2) stores the bytes written (at most ECHO_BUFSIZE - 1, else EINVAL) and
 *            resets the read position;
 *   read(2)  returns what was stored, from the file offset (uiomove_frombuf), so a
 *            second read at the end returns 0 bytes (end of file);
 *   ioctl(2) ECHO_CLEAR empties the buffer, ECHO_GETLEN returns its length (an int).
 * The buffer is malloc(9)ed with M_ZERO from its own malloc type and freed on unload.
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/uio.h>
#include <sys/malloc.h>
#include <sys/ioccom.h>

#define	ECHO_BUFSIZE	256
#define	ECHO_CLEAR	_IO('E', 1)
#define	ECHO_GETLEN	_IOR('E', 2, int)

MALLOC_DEFINE(M_ECHOBUF, "echobuffer", "buffer for echo device");

struct echo_softc {
	char	*buf;
	int	len;
	struct cdev *dev;
};

static d_open_t		echo_open;
static d_close_t	echo_close;
static d_read_t		echo_read;
static d_write_t	echo_write;
static d_ioctl_t	echo_ioctl;

static struct cdevsw echo_cdevsw = {
	.d_version =	D_VERSION,
	.d_open =	echo_open,
	.d_close =	echo_close,
	.d_read =	echo_read,
	.d_write =	echo_write,
	.d_ioctl =	echo_ioctl,
	.d_name =	"echo",
};

static struct echo_softc echo_sc;

static int
echo_open(struct cdev *dev, int oflags, int devtype, struct thread *td)
{
	printf("echo: open %s\n", devtoname(dev));
	return (0);
}

static int
echo_close(struct cdev *dev, int fflag, int devtype, struct thread *td)
{
	printf("echo: close %s\n", devtoname(dev));
	return (0);
}

static int
echo_read(struct cdev *dev, struct uio *uio, int ioflag)
{
	struct echo_softc *sc = dev->si_drv1;

	return (uiomove_frombuf(sc->buf, sc->len, uio));
}

static int
echo_write(struct cdev *dev, struct uio *uio, int ioflag)
{
	struct echo_softc *sc = dev->si_drv1;
	int error, amount;

	if (uio->uio_resid > ECHO_BUFSIZE - 1)
		return (EINVAL);
	amount = (int)uio->uio_resid;
	error = uiomove(sc->buf, amount, uio);
	if (error != 0)
		return (error);
	sc->len = amount;
	sc->buf[amount] = '\0';
	return (0);
}

static int
echo_ioctl(struct cdev *dev, u_long cmd, caddr_t data, int fflag,
    struct thread *td)
{
	struct echo_softc *sc = dev->si_drv1;

	switch (cmd) {
	case ECHO_CLEAR:
		bzero(sc->buf, ECHO_BUFSIZE);
		sc->len = 0;
		return (0);
	case ECHO_GETLEN:
		*(int *)data = sc->len;
		return (0);
	default:
		return (ENOTTY);
	}
}

static int
echo_modevent(module_t mod, int what, void *arg)
{
	struct make_dev_args args;
	int error;

	switch (what) {
	case MOD_LOAD:
		echo_sc.buf = malloc(ECHO_BUFSIZE, M_ECHOBUF, M_WAITOK | M_ZERO);
		echo_sc.len = 0;
		make_dev_args_init(&args);
		args.mda_flags = MAKEDEV_WAITOK | MAKEDEV_CHECKNAME;
		args.mda_devsw = &echo_cdevsw;
		args.mda_uid = UID_ROOT;
		args.mda_gid = GID_WHEEL;
		args.mda_mode = 0600;
		args.mda_si_drv1 = &echo_sc;
		error = make_dev_s(&args, &echo_sc.dev, "echo");
		if (error != 0) {
			free(echo_sc.buf, M_ECHOBUF);
			return (error);
		}
		printf("echo: device /dev/%s created\n", devtoname(echo_sc.dev));
		return (0);
	case MOD_UNLOAD:
		destroy_dev(echo_sc.dev);
		free(echo_sc.buf, M_ECHOBUF);
		printf("echo: unloaded\n");
		return (0);
	case MOD_QUIESCE:
	case MOD_SHUTDOWN:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

DEV_MODULE(echo, echo_modevent, NULL);
MODULE_VERSION(echo, 1);
