/*
 * depbase: the provider half of a MODULE_DEPEND pair. Declares module "depbase" at
 * version 2 (MODULE_VERSION) and exports one function and one counter for the klds
 * that depend on it (built with EXPORT_SYMS=depbase_answer depbase_calls, as a
 * FreeBSD Makefile would say; every other symbol is local, as kmod.mk makes them).
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>

int depbase_calls;
int depbase_answer(int question);

/* What a dependant calls: counts the calls and answers. */
int
depbase_answer(int question)
{
	depbase_calls++;
	return (question + 40);
}

static int
depbase_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		printf("depbase: version 2 loaded\n");
		return (0);
	case MOD_UNLOAD:
		printf("depbase: unloaded after %d calls\n", depbase_calls);
		return (0);
	case MOD_QUIESCE:
	case MOD_SHUTDOWN:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t depbase_mod = {
	"depbase",
	depbase_modevent,
	NULL
};

DECLARE_MODULE(depbase, depbase_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_VERSION(depbase, 2);
