/*
 * chain_b -- the middle of a required-module chain: requires chain_c.
 * Loading chain_b loads chain_c first (as an auto-loaded dependency) and
 * takes a reference on it; chain_b_value() uses chain_c_value().
 * It agrees to be auto-unloaded.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, chain_b, "chain_c");

int chain_c_value(void);

int
chain_b_value(void)
{
	return 20 + chain_c_value();
}

static int
chain_b_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		printf("chain_b: loaded, chain_c_value() = %d\n",
		    chain_c_value());
		return 0;
	case MODULE_CMD_FINI:
		printf("chain_b: unloaded\n");
		return 0;
	case MODULE_CMD_AUTOUNLOAD:
		printf("chain_b: auto-unload accepted\n");
		return 0;
	default:
		return ENOTTY;
	}
}
