/*
 * longname -- a module whose MODULE() name is exactly MAXMODNAME (32)
 * characters: kern_module.c keeps names in char[MAXMODNAME] with their NUL,
 * so module_do_load refuses one that fills the array, after fetching the
 * modinfo and before the class and version checks:
 * "WARNING: module error: module name `longname_exactly_thirty_two_char'
 * longer than 32" and EINVAL ("modload: longname: Invalid argument").
 * Its file is longname/longname.kmod; the name it declares is the long one.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, longname_exactly_thirty_two_char, NULL);

static int
longname_exactly_thirty_two_char_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		printf("longname: loaded\n");
		return 0;
	case MODULE_CMD_FINI:
		return 0;
	default:
		return ENOTTY;
	}
}
