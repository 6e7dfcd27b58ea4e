/*
 * badclass -- a module declaring a class outside the valid range
 * (MODULE_CLASS_ANY < class < MODULE_CLASS_MAX): MODULE_CLASS_MAX itself, 7.
 * module_do_load refuses it after the name check and before the version
 * check: "WARNING: module error: module `badclass' has invalid class 7" and
 * EINVAL ("modload: badclass: Invalid argument").  Its INIT never runs.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MAX, badclass, NULL);

static int
badclass_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		printf("badclass: loaded\n");
		return 0;
	case MODULE_CMD_FINI:
		return 0;
	default:
		return ENOTTY;
	}
}
