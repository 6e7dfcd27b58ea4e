/*
 * loadfail: a module whose MOD_LOAD fails with ENXIO. FreeBSD then sends it MOD_UNLOAD,
 * drops it and prints "module_register_init: MOD_LOAD (loadfail, <evhand>, 0) error 6";
 * because it was the file's only module, kldload fails with ENOEXEC and the file is
 * unloaded again.
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>

static int
loadfail_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		printf("loadfail: refusing to load\n");
		return (ENXIO);
	case MOD_UNLOAD:
		printf("loadfail: cleaning up after the failed load\n");
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t loadfail_mod = {
	"loadfail",
	loadfail_modevent,
	NULL
};

DECLARE_MODULE(loadfail, loadfail_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
