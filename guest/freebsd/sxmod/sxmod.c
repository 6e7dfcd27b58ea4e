/*
 * sxmod: sx(9) as an ordinary kld uses it, through FreeBSD 14's <sys/sx.h>.
 *
 * One lock comes from SX_SYSINIT (initialised by a SYSINIT before MOD_LOAD, destroyed by a
 * SYSUNINIT after MOD_UNLOAD); MOD_LOAD also sx_init's a recursable one. It takes shared
 * locks twice, shows that sx_try_xlock fails while shared, upgrades the sole sharer,
 * downgrades back, takes the lock exclusively and reads sx_xlocked/sx_xholder inline,
 * recurses on the SX_RECURSE lock, and asserts as it goes. The sysctl debug.sxmod.misuse
 * makes it do one thing wrong when written: 1 unlocks an unheld lock, 2 re-locks the
 * non-recursive lock, 3 destroys a held lock.
 */
#include <sys/param.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/sx.h>
#include <sys/sysctl.h>

static struct sx sxmod_lock;
static struct sx sxmod_rlock;
SX_SYSINIT(sxmod_lock, &sxmod_lock, "sxmod");

static int
sxmod_misuse(SYSCTL_HANDLER_ARGS)
{
	struct sx spare;
	int what, error;

	what = 0;
	error = sysctl_handle_int(oidp, &what, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	switch (what) {
	case 1:
		sx_xunlock(&sxmod_lock);
		break;
	case 2:
		sx_xlock(&sxmod_lock);
		sx_xlock(&sxmod_lock);
		break;
	case 3:
		sx_init(&spare, "sxmod spare");
		sx_slock(&spare);
		sx_destroy(&spare);
		break;
	default:
		return (EINVAL);
	}
	return (0);
}

SYSCTL_NODE(_debug, OID_AUTO, sxmod, CTLFLAG_RW | CTLFLAG_MPSAFE, 0, "sxmod");
SYSCTL_PROC(_debug_sxmod, OID_AUTO, misuse, CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE,
    NULL, 0, sxmod_misuse, "I", "do one thing wrong");

static int
sxmod_handler(module_t mod, int what, void *arg)
{
	int tried, upgraded;

	switch (what) {
	case MOD_LOAD:
		sx_slock(&sxmod_lock);
		sx_slock(&sxmod_lock);
		sx_assert(&sxmod_lock, SA_SLOCKED);
		tried = sx_try_xlock(&sxmod_lock);
		printf("sxmod: two sharers (word %#lx), try_xlock=%d\n",
		    (unsigned long)sxmod_lock.sx_lock, tried);
		sx_sunlock(&sxmod_lock);
		upgraded = sx_try_upgrade(&sxmod_lock);
		printf("sxmod: upgrade=%d xlocked=%d\n", upgraded, sx_xlocked(&sxmod_lock));
		sx_downgrade(&sxmod_lock);
		sx_unlock(&sxmod_lock);
		sx_assert(&sxmod_lock, SA_UNLOCKED);

		sx_xlock(&sxmod_lock);
		sx_assert(&sxmod_lock, SA_XLOCKED | SA_NOTRECURSED);
		printf("sxmod: %s xlocked=%d holder=%s try_slock=%d\n",
		    sxmod_lock.lock_object.lo_name, sx_xlocked(&sxmod_lock),
		    sx_xholder(&sxmod_lock) == curthread ? "me" : "other",
		    sx_try_slock(&sxmod_lock));
		sx_unlock(&sxmod_lock);

		sx_init_flags(&sxmod_rlock, "sxmod recursive", SX_RECURSE);
		sx_xlock(&sxmod_rlock);
		tried = sx_try_xlock(&sxmod_rlock);
		sx_assert(&sxmod_rlock, SA_XLOCKED | SA_RECURSED);
		sx_xunlock(&sxmod_rlock);
		sx_xunlock(&sxmod_rlock);
		printf("sxmod: recursed (try_xlock=%d) and released\n", tried);
		return (0);
	case MOD_UNLOAD:
		sx_destroy(&sxmod_rlock);
		printf("sxmod: destroyed\n");
		return (0);
	case MOD_QUIESCE:
	case MOD_SHUTDOWN:
		return (0);
	}
	return (EOPNOTSUPP);
}

static moduledata_t sxmod_mod = { "sxmod", sxmod_handler, NULL };
DECLARE_MODULE(sxmod, sxmod_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
