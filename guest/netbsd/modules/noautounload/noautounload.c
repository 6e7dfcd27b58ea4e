/*
 * noautounload -- a module that refuses MODULE_CMD_AUTOUNLOAD.
 *
 * When it was auto-loaded (as a required module, or by module_autoload()),
 * the auto-unload pass asks it MODULE_CMD_AUTOUNLOAD after
 * kern.module.autotime seconds; it answers EBUSY, so it stays, and the
 * kernel notes "module `noautounload' declined to be auto-unloaded
 * error=16" (a module_print: shown with kern.module.verbose=1).  An
 * explicit modunload still works: MODULE_CMD_FINI answers 0.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, noautounload, NULL);

int noautounload_asked;		/* times MODULE_CMD_AUTOUNLOAD was asked */

static int
noautounload_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		printf("noautounload: loaded\n");
		return 0;
	case MODULE_CMD_FINI:
		printf("noautounload: unloaded\n");
		return 0;
	case MODULE_CMD_AUTOUNLOAD:
		noautounload_asked++;
		printf("noautounload: auto-unload refused\n");
		return EBUSY;
	default:
		return ENOTTY;
	}
}
