/*
 * mtxmod: mutex(9) as an ordinary kld uses it, through FreeBSD 14's <sys/mutex.h>.
 * MOD_LOAD initialises a mutex, locks it, asserts ownership, shows that trylock on the
 * held mutex fails, unlocks; MOD_UNLOAD destroys it.
 */
#include <sys/param.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>

static struct mtx mtxmod_lock;

static int
mtxmod_handler(module_t mod, int what, void *arg)
{
	int tried;

	switch (what) {
	case MOD_LOAD:
		mtx_init(&mtxmod_lock, "mtxmod", NULL, MTX_DEF);
		mtx_lock(&mtxmod_lock);
		mtx_assert(&mtxmod_lock, MA_OWNED);
		tried = mtx_trylock(&mtxmod_lock);
		printf("mtxmod: %s held, trylock=%d\n", mtx_name(&mtxmod_lock), tried);
		mtx_unlock(&mtxmod_lock);
		mtx_assert(&mtxmod_lock, MA_NOTOWNED);
		return (0);
	case MOD_UNLOAD:
		mtx_destroy(&mtxmod_lock);
		printf("mtxmod: destroyed\n");
		return (0);
	}
	return (EOPNOTSUPP);
}

static moduledata_t mtxmod_mod = { "mtxmod", mtxmod_handler, NULL };
DECLARE_MODULE(mtxmod, mtxmod_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
