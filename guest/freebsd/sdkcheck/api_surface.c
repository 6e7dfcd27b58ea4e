/*
 * api_surface: not a module to load but a compile check of the SDK. It uses, the way
 * FreeBSD kernel code does, the interfaces the headers provide beyond what the guest
 * modules need: eventhandlers, more sysctl types, queue macros, tied and ordered module
 * declarations, make_dev_alias, the copy and sleep functions, KASSERT/CTASSERT and the
 * param.h helpers. tests/freebsd/test_sdk.py builds it into a kld with both compilers
 * on both arches (warnings are errors, as in kmod.mk) and checks what it imports.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/conf.h>
#include <sys/uio.h>
#include <sys/malloc.h>
#include <sys/sysctl.h>
#include <sys/eventhandler.h>
#include <sys/queue.h>
#include <sys/fcntl.h>
#include <sys/ioccom.h>
#include <sys/linker.h>
#include <sys/limits.h>
#include <sys/proc.h>
#include <sys/vnode.h>
#include <sys/syslog.h>

MALLOC_DECLARE(M_APISURF);
MALLOC_DEFINE(M_APISURF, "apisurf", "SDK surface check");

CTASSERT(sizeof(int32_t) == 4);
CTASSERT(sizeof(struct mod_metadata) == 2 * sizeof(int) + 2 * sizeof(void *));
CTASSERT(D_VERSION == 0x5c48c353);
CTASSERT(MIN(3, 4) == 3 && MAX(3, 4) == 4 && roundup(5, 4) == 8 && howmany(5, 4) == 2);
CTASSERT(_IOWR('A', 1, int) == 0xc0044101UL);
CTASSERT(EAGAIN == 35 && ENOSYS == 78 && EOPNOTSUPP == 45);

struct apisurf_item {
	int			value;
	TAILQ_ENTRY(apisurf_item) link;
	LIST_ENTRY(apisurf_item) all;
};
static TAILQ_HEAD(, apisurf_item) apisurf_queue = TAILQ_HEAD_INITIALIZER(apisurf_queue);
static LIST_HEAD(, apisurf_item) apisurf_list = LIST_HEAD_INITIALIZER(apisurf_list);
static STAILQ_HEAD(, apisurf_item) apisurf_unused = STAILQ_HEAD_INITIALIZER(apisurf_unused);

static const int apisurf_seed[] = { 3, 1, 4 };
static u_int apisurf_count;
static long apisurf_total;
static u_long apisurf_bytes;
static struct { int a, b; } apisurf_pair = { 1, 2 };
static eventhandler_tag apisurf_tag;
static struct cdev *apisurf_dev, *apisurf_alias;

SYSCTL_DECL(_kern);
SYSCTL_NODE(_kern, OID_AUTO, apisurf, CTLFLAG_RD | CTLFLAG_MPSAFE, 0, "SDK check");
SYSCTL_UINT(_kern_apisurf, OID_AUTO, count, CTLFLAG_RD, &apisurf_count, 0, "items");
SYSCTL_LONG(_kern_apisurf, OID_AUTO, total, CTLFLAG_RW, &apisurf_total, 0, "sum");
SYSCTL_ULONG(_kern_apisurf, OID_AUTO, bytes, CTLFLAG_RD, &apisurf_bytes, 0, "bytes");
SYSCTL_OPAQUE(_kern_apisurf, OID_AUTO, pair, CTLFLAG_RD, &apisurf_pair,
    sizeof(apisurf_pair), "S,pair", "a pair");

static int
apisurf_sysctl_items(SYSCTL_HANDLER_ARGS)
{
	struct apisurf_item *it;
	int n = 0;

	TAILQ_FOREACH(it, &apisurf_queue, link)
		n++;
	return (sysctl_handle_int(oidp, &n, 0, req));
}
SYSCTL_PROC(_kern_apisurf, OID_AUTO, items, CTLTYPE_INT | CTLFLAG_RD | CTLFLAG_MPSAFE,
    NULL, 0, apisurf_sysctl_items, "I", "items in the queue");

static void
apisurf_shutdown(void *arg, int howto)
{
	printf("apisurf: shutdown howto=%#x\n", howto);
}

static d_ioctl_t apisurf_ioctl;

static struct cdevsw apisurf_cdevsw = {
	.d_version =	D_VERSION,
	.d_flags =	D_TRACKCLOSE,
	.d_ioctl =	apisurf_ioctl,
	.d_name =	"apisurf",
};

static int
apisurf_ioctl(struct cdev *dev, u_long cmd, caddr_t data, int fflag, struct thread *td)
{
	char name[32];
	size_t done;
	int error;

	KASSERT(dev != NULL, ("apisurf_ioctl: no device"));
	if ((fflag & FWRITE) == 0)
		return (EPERM);
	switch (cmd) {
	case _IOW('S', 1, char *):
		error = copyinstr(*(char **)data, name, sizeof(name), &done);
		if (error == 0)
			uprintf("apisurf: %s (%zu bytes) on unit %d\n", name, done,
			    dev2unit(dev));
		return (error);
	case _IOR('S', 2, int):
		return (copyout(&apisurf_count, *(void **)data, sizeof(apisurf_count)));
	default:
		return (ENOTTY);
	}
}

static void
apisurf_fill(int n)
{
	struct apisurf_item *it;
	int i;

	for (i = 0; i < n; i++) {
		it = malloc(sizeof(*it), M_APISURF, M_WAITOK | M_ZERO);
		it->value = apisurf_seed[i % nitems(apisurf_seed)];
		TAILQ_INSERT_TAIL(&apisurf_queue, it, link);
		LIST_INSERT_HEAD(&apisurf_list, it, all);
		apisurf_count++;
		apisurf_total += it->value;
		apisurf_bytes += sizeof(*it);
	}
}

static void
apisurf_drain(void)
{
	struct apisurf_item *it, *tmp;

	TAILQ_FOREACH_SAFE(it, &apisurf_queue, link, tmp) {
		TAILQ_REMOVE(&apisurf_queue, it, link);
		LIST_REMOVE(it, all);
		free(it, M_APISURF);
	}
	apisurf_count = 0;
}

static int
apisurf_modevent(module_t mod, int what, void *arg)
{
	char *copy;

	switch (what) {
	case MOD_LOAD:
		apisurf_fill(nitems(apisurf_seed));
		copy = malloc(strlen("surface") + 1, M_APISURF, M_NOWAIT);
		if (copy != NULL) {
			strlcpy(copy, "surface", strlen("surface") + 1);
			log(LOG_INFO, "apisurf: %s %s\n", copy, module_getname(mod));
			free(copy, M_APISURF);
		}
		apisurf_tag = EVENTHANDLER_REGISTER(shutdown_pre_sync, apisurf_shutdown,
		    NULL, SHUTDOWN_PRI_DEFAULT);
		apisurf_dev = make_dev(&apisurf_cdevsw, 0, UID_ROOT, GID_OPERATOR, 0660,
		    "apisurf%d", 0);
		apisurf_alias = make_dev_alias(apisurf_dev, "apisurf");
		(void)pause("apisurf", hz / 10);
		return (0);
	case MOD_UNLOAD:
		EVENTHANDLER_DEREGISTER(shutdown_pre_sync, apisurf_tag);
		destroy_dev(apisurf_alias);
		destroy_dev(apisurf_dev);
		apisurf_drain();
		wakeup(&apisurf_count);
		return (STAILQ_EMPTY(&apisurf_unused) ? 0 : EBUSY);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t apisurf_mod = { "apisurf", apisurf_modevent, NULL };
DECLARE_MODULE_TIED(apisurf, apisurf_mod, SI_SUB_PSEUDO, SI_ORDER_ANY);
MODULE_VERSION(apisurf, 7);
MODULE_DEPEND(apisurf, evlog, 1, 1, 1);
