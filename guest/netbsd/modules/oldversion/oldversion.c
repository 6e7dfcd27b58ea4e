/*
 * oldversion -- a module built for NetBSD 9.0 (__NetBSD_Version__
 * 900000000), as if compiled against NetBSD 9's headers.
 *
 * module_compatible() on a NetBSD 10.0 kernel accepts only the same
 * major.minor (|1000000000 - 900000000| >= 10000), so the load fails:
 * "WARNING: module error: module `oldversion' built for `900000000',
 * system `1000000000'" and EPROGMISMATCH ("modload: oldversion: Program
 * version wrong").  modload -f (MODCTL_LOAD_FORCE) loads it anyway after a
 * second message, "forced load, system may be unstable".
 */
#define	__NetBSD_Version__	900000000	/* NetBSD 9.0 */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, oldversion, NULL);

static int
oldversion_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		printf("oldversion: loaded (built for %d)\n",
		    __NetBSD_Version__);
		return 0;
	case MODULE_CMD_FINI:
		return 0;
	default:
		return ENOTTY;
	}
}
