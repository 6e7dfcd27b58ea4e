/*
 * dynsys: dynamic sysctls, ioctls in all three directions, a device alias and a
 * D_NEEDGIANT cdevsw, as ordinary FreeBSD 14 drivers write them.
 *
 * MOD_LOAD builds, with a sysctl context, debug.dynsys (SYSCTL_ADD_NODE under
 * SYSCTL_STATIC_CHILDREN(_debug)) holding: count (int, rw), limit (u_int, rw, 10), total
 * (long, ro), name (string[16], rw, "dynsys"), and stats (a node) with doubled (SYSCTL_ADD_PROC:
 * twice count). It makes /dev/dynsys (root:wheel 0600, D_NEEDGIANT) and the alias
 * /dev/dynsys_alias. ioctls: DYNSYS_GET _IOR('D', 1, int) reads count; DYNSYS_SET
 * _IOW('D', 2, int) sets it (above limit: EINVAL); DYNSYS_ADD _IOWR('D', 3, struct
 * dynsys_add) adds `delta` and returns the new count in `result`; DYNSYS_MINE
 * _IOR('D', 4, int) counts calls per open file (devfs_set_cdevpriv in d_open, its
 * destructor prints `dynsys: per-open data freed after N uses`); anything else ENOTTY.
 * MOD_UNLOAD destroys the device (and so its alias) and frees the context.
 */
#include <sys/param.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/ioccom.h>
#include <sys/sysctl.h>
#include <sys/malloc.h>

struct dynsys_add {
	int	delta;
	int	result;
};

#define	DYNSYS_GET	_IOR('D', 1, int)
#define	DYNSYS_SET	_IOW('D', 2, int)
#define	DYNSYS_ADD	_IOWR('D', 3, struct dynsys_add)
#define	DYNSYS_MINE	_IOR('D', 4, int)

static MALLOC_DEFINE(M_DYNSYS, "dynsys", "dynsys per-open data");

static struct sysctl_ctx_list dynsys_ctx;
static int dynsys_count;
static u_int dynsys_limit = 10;
static long dynsys_total;
static char dynsys_name[16] = "dynsys";
static struct cdev *dynsys_dev, *dynsys_alias;

static int
dynsys_doubled(SYSCTL_HANDLER_ARGS)
{
	int value = dynsys_count * 2;

	return (sysctl_handle_int(oidp, &value, 0, req));
}

static void
dynsys_dtor(void *data)
{
	printf("dynsys: per-open data freed after %d uses\n", *(int *)data);
	free(data, M_DYNSYS);
}

static int
dynsys_open(struct cdev *dev, int oflags, int devtype, struct thread *td)
{
	int *uses;
	int error;

	uses = malloc(sizeof(*uses), M_DYNSYS, M_WAITOK | M_ZERO);
	error = devfs_set_cdevpriv(uses, dynsys_dtor);
	if (error != 0)
		free(uses, M_DYNSYS);
	return (error);
}

static int
dynsys_ioctl(struct cdev *dev, u_long cmd, caddr_t data, int fflag, struct thread *td)
{
	struct dynsys_add *add;
	int *uses, error;

	switch (cmd) {
	case DYNSYS_GET:
		*(int *)data = dynsys_count;
		return (0);
	case DYNSYS_SET:
		if ((u_int)*(int *)data > dynsys_limit)
			return (EINVAL);
		dynsys_count = *(int *)data;
		dynsys_total++;
		return (0);
	case DYNSYS_ADD:
		add = (struct dynsys_add *)data;
		dynsys_count += add->delta;
		dynsys_total++;
		add->result = dynsys_count;
		return (0);
	case DYNSYS_MINE:
		error = devfs_get_cdevpriv((void **)&uses);
		if (error != 0)
			return (error);
		*(int *)data = ++*uses;
		return (0);
	default:
		return (ENOTTY);
	}
}

static struct cdevsw dynsys_cdevsw = {
	.d_version =	D_VERSION,
	.d_flags =	D_NEEDGIANT,
	.d_open =	dynsys_open,
	.d_ioctl =	dynsys_ioctl,
	.d_name =	"dynsys",
};

static int
dynsys_handler(module_t mod, int what, void *arg)
{
	struct sysctl_oid *root, *stats;

	switch (what) {
	case MOD_LOAD:
		sysctl_ctx_init(&dynsys_ctx);
		root = SYSCTL_ADD_NODE(&dynsys_ctx, SYSCTL_STATIC_CHILDREN(_debug), OID_AUTO,
		    "dynsys", CTLFLAG_RW | CTLFLAG_MPSAFE, 0, "dynsys tree");
		if (root == NULL)
			return (ENOMEM);
		SYSCTL_ADD_INT(&dynsys_ctx, SYSCTL_CHILDREN(root), OID_AUTO, "count",
		    CTLFLAG_RW, &dynsys_count, 0, "the count");
		SYSCTL_ADD_UINT(&dynsys_ctx, SYSCTL_CHILDREN(root), OID_AUTO, "limit",
		    CTLFLAG_RW, &dynsys_limit, 0, "highest count DYNSYS_SET accepts");
		SYSCTL_ADD_LONG(&dynsys_ctx, SYSCTL_CHILDREN(root), OID_AUTO, "total",
		    CTLFLAG_RD, &dynsys_total, "changes made through ioctl");
		SYSCTL_ADD_STRING(&dynsys_ctx, SYSCTL_CHILDREN(root), OID_AUTO, "name",
		    CTLFLAG_RW, dynsys_name, sizeof(dynsys_name), "a name");
		stats = SYSCTL_ADD_NODE(&dynsys_ctx, SYSCTL_CHILDREN(root), OID_AUTO, "stats",
		    CTLFLAG_RD | CTLFLAG_MPSAFE, 0, "derived values");
		SYSCTL_ADD_PROC(&dynsys_ctx, SYSCTL_CHILDREN(stats), OID_AUTO, "doubled",
		    CTLTYPE_INT | CTLFLAG_RD | CTLFLAG_MPSAFE, NULL, 0, dynsys_doubled, "I",
		    "twice the count");
		dynsys_dev = make_dev(&dynsys_cdevsw, 0, UID_ROOT, GID_WHEEL, 0600, "dynsys");
		dynsys_alias = make_dev_alias(dynsys_dev, "dynsys_alias");
		printf("dynsys: loaded, alias %s of %s\n", devtoname(dynsys_alias),
		    devtoname(dynsys_dev));
		return (0);
	case MOD_UNLOAD:
		destroy_dev(dynsys_dev);
		if (sysctl_ctx_free(&dynsys_ctx) != 0)
			printf("dynsys: sysctl_ctx_free failed\n");
		printf("dynsys: unloaded at count %d\n", dynsys_count);
		return (0);
	case MOD_QUIESCE:
	case MOD_SHUTDOWN:
		return (0);
	}
	return (EOPNOTSUPP);
}

static moduledata_t dynsys_mod = { "dynsys", dynsys_handler, NULL };
DECLARE_MODULE(dynsys, dynsys_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
