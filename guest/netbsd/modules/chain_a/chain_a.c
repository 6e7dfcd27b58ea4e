/*
 * chain_a -- the top of a required-module chain: requires chain_b and
 * chain_c, and chain_b itself requires chain_c.
 *
 * `modload chain_a` therefore loads, depth first and left to right:
 * chain_c (for chain_b), chain_b, then finds chain_c already loaded
 * (EEXIST, which the loader accepts for a dependency), then initialises
 * chain_a.  Afterwards chain_c has 2 references (chain_a, chain_b),
 * chain_b 1 (chain_a), chain_a 0; chain_b and chain_c are flagged as
 * auto-loaded.  Unloading chain_a drops those references but leaves
 * chain_b and chain_c loaded until the auto-unload pass (or modunload).
 * MODULE_CMD_INIT prints chain_b_value() + chain_c_value() = 23 + 3 = 26,
 * which only works if both symbols were resolved against the loaded
 * dependencies.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, chain_a, "chain_b,chain_c");

int chain_b_value(void);
int chain_c_value(void);

static int
chain_a_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		printf("chain_a: loaded, chain_b_value() + chain_c_value() "
		    "= %d\n", chain_b_value() + chain_c_value());
		return 0;
	case MODULE_CMD_FINI:
		printf("chain_a: unloaded\n");
		return 0;
	default:
		return ENOTTY;
	}
}
