/*
 * twomodinfo -- one object with two MODULE() declarations.
 *
 * Its link_set_modules section then holds two pointers where the loader
 * wants exactly one: "WARNING: module error: `link_set_modules' section
 * wrong size (2 different MODULE declarations?)", then "cannot fetch info
 * for `twomodinfo', error 8" (ENOEXEC: "modload: twomodinfo: Exec format
 * error").
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, twomodinfo, NULL);
MODULE(MODULE_CLASS_MISC, twomodinfo_extra, NULL);

static int
twomodinfo_modcmd(modcmd_t cmd, void *arg)
{
	return cmd == MODULE_CMD_INIT || cmd == MODULE_CMD_FINI ? 0 : ENOTTY;
}

static int
twomodinfo_extra_modcmd(modcmd_t cmd, void *arg)
{
	return cmd == MODULE_CMD_INIT || cmd == MODULE_CMD_FINI ? 0 : ENOTTY;
}
