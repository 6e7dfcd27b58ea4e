/*
 * circ_b -- the other half of the circ_a/circ_b dependency cycle (see
 * circ_a.c): requires circ_a.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, circ_b, "circ_a");

static int
circ_b_modcmd(modcmd_t cmd, void *arg)
{
	return cmd == MODULE_CMD_INIT || cmd == MODULE_CMD_FINI ? 0 : ENOTTY;
}
