/*
 * noquiesce: a module that refuses MOD_QUIESCE with EBUSY, as a driver with work in
 * flight does. `kldunload noquiesce' fails with "Device busy" and the module stays;
 * `kldunload -f noquiesce' ignores the refusal and goes on to MOD_UNLOAD, which succeeds.
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>

static int noquiesce_refusals;

static int
noquiesce_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		printf("noquiesce: loaded\n");
		return (0);
	case MOD_QUIESCE:
		noquiesce_refusals++;
		printf("noquiesce: busy, refusing to quiesce (%d)\n", noquiesce_refusals);
		return (EBUSY);
	case MOD_UNLOAD:
		printf("noquiesce: unloaded after %d refusals\n", noquiesce_refusals);
		return (0);
	case MOD_SHUTDOWN:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t noquiesce_mod = {
	"noquiesce",
	noquiesce_modevent,
	NULL
};

DECLARE_MODULE(noquiesce, noquiesce_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
