/*
 * chain_c -- the bottom of a required-module chain (see chain_a.c).
 * It requires nothing and exports chain_c_value(), which chain_b and
 * chain_a call: the kernel must resolve their references to it against
 * this loaded module.  It agrees to be auto-unloaded (MODULE_CMD_AUTOUNLOAD
 * answers 0), so once nothing requires it, the auto-unload pass removes it.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, chain_c, NULL);

int
chain_c_value(void)
{
	return 3;
}

static int
chain_c_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		printf("chain_c: loaded\n");
		return 0;
	case MODULE_CMD_FINI:
		printf("chain_c: unloaded\n");
		return 0;
	case MODULE_CMD_AUTOUNLOAD:
		printf("chain_c: auto-unload accepted\n");
		return 0;
	default:
		return ENOTTY;
	}
}
