/*
 * initfail -- a module whose MODULE_CMD_INIT fails.
 *
 * It allocates a buffer, frees it again (so nothing leaks), and returns
 * ENODEV.  The kernel then prints "WARNING: module error: modcmd(CMD_INIT)
 * failed for `initfail', error 19", unloads the object, and modload
 * reports "modload: initfail: Operation not supported by device"; the
 * module is not in modstat afterwards.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, initfail, NULL);

static int
initfail_modcmd(modcmd_t cmd, void *arg)
{
	void *buf;

	switch (cmd) {
	case MODULE_CMD_INIT:
		buf = kmem_alloc(128, KM_SLEEP);
		memset(buf, 0xa5, 128);
		kmem_free(buf, 128);
		printf("initfail: refusing to initialise\n");
		return ENODEV;
	case MODULE_CMD_FINI:
		return 0;
	default:
		return ENOTTY;
	}
}
