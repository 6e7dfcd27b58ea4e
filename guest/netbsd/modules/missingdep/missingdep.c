/*
 * missingdep -- a module requiring a module that does not exist.
 *
 * The dependency is looked for as <module_base>/kemu_absent/kemu_absent.kmod
 * and not found (ENOENT); the loader says "recursive load failed for
 * `missingdep' (`kemu_absent' required), error 2" and modload reports
 * "modload: missingdep: No such file or directory".
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, missingdep, "kemu_absent");

static int
missingdep_modcmd(modcmd_t cmd, void *arg)
{
	return cmd == MODULE_CMD_INIT || cmd == MODULE_CMD_FINI ? 0 : ENOTTY;
}
