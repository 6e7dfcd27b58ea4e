/*
 * circ_a -- half of a dependency cycle: requires circ_b, which requires
 * circ_a.
 *
 * `modload circ_a` loads circ_a's object, then (as a dependency) circ_b's,
 * then circ_a's again for circ_b; that second circ_a finds the first on
 * the list of modules being loaded: "circular dependency detected for
 * `circ_a'" (EDEADLK), then "recursive load failed for `circ_b'
 * (`circ_a' required), error 11" and "recursive load failed for `circ_a'
 * (`circ_b' required), error 11".  Nothing stays loaded.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, circ_a, "circ_b");

static int
circ_a_modcmd(modcmd_t cmd, void *arg)
{
	return cmd == MODULE_CMD_INIT || cmd == MODULE_CMD_FINI ? 0 : ENOTTY;
}
