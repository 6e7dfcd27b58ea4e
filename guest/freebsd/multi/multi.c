/*
 * multi: several modules in one kld file. multi.ko declares the modules multi_first,
 * multi_second and multi_third (each with its own moduledata_t, event handler argument
 * and MODULE_VERSION), registered by SYSINITs in the order (SI_SUB_DRIVERS,
 * SI_ORDER_FIRST), (SI_SUB_DRIVERS, SI_ORDER_SECOND), (SI_SUB_DRIVERS, SI_ORDER_THIRD)
 * whatever their order in this file. `kldstat -v' lists all three under multi.ko;
 * on unload FreeBSD sends the events in the reverse order of the loads.
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>

static int
multi_modevent(module_t mod, int what, void *arg)
{
	const char *name = arg;

	switch (what) {
	case MOD_LOAD:
		printf("multi: %s loaded\n", name);
		return (0);
	case MOD_UNLOAD:
		printf("multi: %s unloaded\n", name);
		return (0);
	case MOD_QUIESCE:
	case MOD_SHUTDOWN:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t multi_third_mod = { "multi_third", multi_modevent, "third" };
static moduledata_t multi_first_mod = { "multi_first", multi_modevent, "first" };
static moduledata_t multi_second_mod = { "multi_second", multi_modevent, "second" };

DECLARE_MODULE(multi_third, multi_third_mod, SI_SUB_DRIVERS, SI_ORDER_THIRD);
DECLARE_MODULE(multi_first, multi_first_mod, SI_SUB_DRIVERS, SI_ORDER_FIRST);
DECLARE_MODULE(multi_second, multi_second_mod, SI_SUB_DRIVERS, SI_ORDER_SECOND);
MODULE_VERSION(multi_first, 1);
MODULE_VERSION(multi_second, 2);
MODULE_VERSION(multi_third, 3);
