/*
 * selfdep -- a module that names itself in its required list.
 *
 * The loader refuses before loading anything else: "WARNING: module
 * error: self-dependency detected for `selfdep'", EDEADLK ("modload:
 * selfdep: Resource deadlock avoided").
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, selfdep, "selfdep");

static int
selfdep_modcmd(modcmd_t cmd, void *arg)
{
	return cmd == MODULE_CMD_INIT || cmd == MODULE_CMD_FINI ? 0 : ENOTTY;
}
