/*
 * evveto: a kld that vetoes other files' unloads from a kld_unload_try handler, as
 * kern_linker.c lets one (the handler sets *error; kldunload then fails with EBUSY before
 * any module of that file hears MOD_QUIESCE). It refuses while debug.evveto.armed is 1
 * (the default) and never refuses its own unload. Registered with EVENTHANDLER_DEFINE (a
 * SYSINIT), deregistered in MOD_UNLOAD.
 *
 *   kldunload fibo  ->  "evveto: refusing to unload fibo.ko (id 3)"
 *                       kldunload: can't unload file: Device busy
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>
#include <sys/linker.h>
#include <sys/eventhandler.h>
#include <sys/sysctl.h>

static int evveto_armed = 1;
static int evveto_refused;

SYSCTL_NODE(_debug, OID_AUTO, evveto, CTLFLAG_RW | CTLFLAG_MPSAFE, 0, "evveto");
SYSCTL_INT(_debug_evveto, OID_AUTO, armed, CTLFLAG_RW, &evveto_armed, 0,
    "refuse other files' unloads");
SYSCTL_INT(_debug_evveto, OID_AUTO, refused, CTLFLAG_RD, &evveto_refused, 0,
    "unloads refused");

static void
evveto_unload_try(void *arg, struct linker_file *lf, int *error)
{
	if (!evveto_armed || strcmp(lf->filename, "evveto.ko") == 0)
		return;
	evveto_refused++;
	printf("evveto: refusing to unload %s (id %d)\n", lf->filename, lf->id);
	*error = EBUSY;
}

EVENTHANDLER_DEFINE(kld_unload_try, evveto_unload_try, NULL, EVENTHANDLER_PRI_ANY);

static int
evveto_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		return (0);
	case MOD_UNLOAD:
		EVENTHANDLER_DEREGISTER(kld_unload_try, kld_unload_try_tag);
		return (0);
	case MOD_QUIESCE:
	case MOD_SHUTDOWN:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t evveto_mod = {
	"evveto",
	evveto_modevent,
	NULL
};

DECLARE_MODULE(evveto, evveto_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_VERSION(evveto, 1);
