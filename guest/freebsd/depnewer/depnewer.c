/*
 * depnewer: depends on a depbase newer than the one there is (versions 3 to 4, 3
 * preferred; depbase.ko provides 2), so loading it fails with
 * "KLD depnewer.ko: depends on depbase - not available or version mismatch" and
 * kldload reports ENOEXEC. Its event handler never runs.
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>

static int
depnewer_modevent(module_t mod, int what, void *arg)
{
	printf("depnewer: event %d (must never happen)\n", what);
	return (0);
}

static moduledata_t depnewer_mod = {
	"depnewer",
	depnewer_modevent,
	NULL
};

DECLARE_MODULE(depnewer, depnewer_mod, SI_SUB_DRIVERS, SI_ORDER_ANY);
MODULE_DEPEND(depnewer, depbase, 3, 3, 4);
