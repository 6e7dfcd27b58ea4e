/*
 * depuser: the dependant half of a MODULE_DEPEND pair. Accepts depbase versions 1 to 3,
 * preferring 2, so `kldload depuser' first loads depbase.ko from the module path (or
 * takes a reference on the depbase already loaded), and calls depbase_answer(), which
 * only a declared dependency lets it reach.
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>

int depbase_answer(int question);

static int
depuser_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		printf("depuser: depbase answers %d\n", depbase_answer(2));
		return (0);
	case MOD_UNLOAD:
		printf("depuser: unloaded\n");
		return (0);
	case MOD_QUIESCE:
	case MOD_SHUTDOWN:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t depuser_mod = {
	"depuser",
	depuser_modevent,
	NULL
};

DECLARE_MODULE(depuser, depuser_mod, SI_SUB_DRIVERS, SI_ORDER_ANY);
MODULE_DEPEND(depuser, depbase, 1, 2, 3);
MODULE_VERSION(depuser, 1);
