/*
 * selfload -- a module that tries to load and unload itself from its own
 * modcmd.
 *
 * module(9): "A module is not permitted to load or unload itself.
 * Attempts to load or unload a module from within its own modcmd routine
 * will fail with EEXIST or EBUSY, respectively."  On MODULE_CMD_INIT this
 * module calls module_load("selfload", ...) and succeeds only if that
 * returned EEXIST; on MODULE_CMD_FINI it calls module_unload("selfload")
 * and goes on to unload only if that returned EBUSY.  Any other answer
 * fails the command with EINVAL, so a kernel that does not keep the rule
 * is visible as a failed modload or modunload.  The answers are kept in
 * selfload_load_error and selfload_unload_error.
 *
 * (kern_module.c itself finds no loaded module of that name during INIT --
 * the module is still pending -- and would read the file again; kemu
 * follows the manual's rule, see docs/netbsd-module.md.)
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, selfload, NULL);

int selfload_load_error = -1;
int selfload_unload_error = -1;

static int
selfload_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		selfload_load_error = module_load("selfload", 0, NULL,
		    MODULE_CLASS_ANY);
		printf("selfload: module_load(\"selfload\") = %d\n",
		    selfload_load_error);
		return selfload_load_error == EEXIST ? 0 : EINVAL;
	case MODULE_CMD_FINI:
		selfload_unload_error = module_unload("selfload");
		printf("selfload: module_unload(\"selfload\") = %d\n",
		    selfload_unload_error);
		return selfload_unload_error == EBUSY ? 0 : EINVAL;
	default:
		return ENOTTY;
	}
}
