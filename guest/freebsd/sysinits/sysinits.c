/*
 * sysinits: SYSINIT and SYSUNINIT ordering, and MALLOC_DEFINE. The SYSINITs below are
 * declared out of order; the kernel runs them sorted by (subsystem, order):
 *   tunables (SI_SUB_TUNABLES, ANY), malloc_init for M_SYSINITS (SI_SUB_KMEM, THIRD),
 *   alloc (SI_SUB_KLD, FIRST), module_register_init -> MOD_LOAD (SI_SUB_DRIVERS, MIDDLE),
 *   late (SI_SUB_PSEUDO, FIRST), last (SI_SUB_LAST, ANY)
 * and on unload the SYSUNINITs in the reverse of that order (after MOD_UNLOAD):
 *   last, late, alloc (frees the buffer), malloc_uninit (SI_SUB_KMEM, ANY).
 * Every function prints "sysinits: <name> (<step>)" with a running step number.
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>
#include <sys/malloc.h>

static MALLOC_DEFINE(M_SYSINITS, "sysinits", "kemu sysinit test buffers");

static int sysinits_step;
static char *sysinits_buffer;

static void
sysinits_say(const char *what)
{
	sysinits_step++;
	printf("sysinits: %s (%d)\n", what, sysinits_step);
}

static void
sysinits_last(void *arg)
{
	sysinits_say(arg);
}

static void
sysinits_late(void *arg)
{
	sysinits_say(arg);
}

static void
sysinits_alloc(void *arg)
{
	sysinits_buffer = malloc(64, M_SYSINITS, M_WAITOK | M_ZERO);
	strlcpy(sysinits_buffer, "allocated", 64);
	sysinits_say(arg);
}

static void
sysinits_free(void *arg)
{
	sysinits_say(arg);
	free(sysinits_buffer, M_SYSINITS);
	sysinits_buffer = NULL;
}

static void
sysinits_tunables(void *arg)
{
	sysinits_say(arg);
}

SYSINIT(sysinits_last, SI_SUB_LAST, SI_ORDER_ANY, sysinits_last, "last");
SYSINIT(sysinits_late, SI_SUB_PSEUDO, SI_ORDER_FIRST, sysinits_late, "late");
SYSINIT(sysinits_alloc, SI_SUB_KLD, SI_ORDER_FIRST, sysinits_alloc, "alloc");
SYSINIT(sysinits_tunables, SI_SUB_TUNABLES, SI_ORDER_ANY, sysinits_tunables,
    "tunables");

SYSUNINIT(sysinits_last, SI_SUB_LAST, SI_ORDER_ANY, sysinits_last, "unlast");
SYSUNINIT(sysinits_late, SI_SUB_PSEUDO, SI_ORDER_FIRST, sysinits_late, "unlate");
SYSUNINIT(sysinits_alloc, SI_SUB_KLD, SI_ORDER_FIRST, sysinits_free, "free");

static int
sysinits_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		sysinits_say(sysinits_buffer);
		return (0);
	case MOD_UNLOAD:
		sysinits_say("unload");
		return (0);
	case MOD_QUIESCE:
	case MOD_SHUTDOWN:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t sysinits_mod = {
	"sysinits",
	sysinits_modevent,
	NULL
};

DECLARE_MODULE(sysinits, sysinits_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
