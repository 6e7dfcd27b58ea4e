/*
 * callbacks -- a module that registers module load/unload callbacks.
 *
 * On MODULE_CMD_INIT it calls module_register_callbacks(): the kernel
 * calls the load callback at once for every module already loaded (oldest
 * first), after every later successful load (this module's own included,
 * once its INIT has succeeded), and the unload callback before each
 * module is unloaded.  On MODULE_CMD_FINI it calls
 * module_unregister_callbacks(), which calls the unload callback for every
 * module still loaded.  Each callback prints the module's name and source
 * (module_name, module_source) and counts itself in callbacks_loads /
 * callbacks_unloads.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, callbacks, NULL);

static const char *const callbacks_sources[] = {
	"builtin", "boot", "filesys"
};

static void *callbacks_cookie;
int callbacks_loads;
int callbacks_unloads;

static const char *
callbacks_source(struct module *mod)
{
	modsrc_t src = module_source(mod);

	return (u_int)src < __arraycount(callbacks_sources) ?
	    callbacks_sources[src] : "unknown";
}

static void
callbacks_load(struct module *mod)
{
	callbacks_loads++;
	printf("callbacks: load %s (%s)\n", module_name(mod),
	    callbacks_source(mod));
}

static void
callbacks_unload(struct module *mod)
{
	callbacks_unloads++;
	printf("callbacks: unload %s (%s)\n", module_name(mod),
	    callbacks_source(mod));
}

static int
callbacks_modcmd(modcmd_t cmd, void *arg)
{
	switch (cmd) {
	case MODULE_CMD_INIT:
		callbacks_cookie = module_register_callbacks(callbacks_load,
		    callbacks_unload);
		if (callbacks_cookie == NULL)
			return ENOMEM;
		printf("callbacks: registered\n");
		return 0;
	case MODULE_CMD_FINI:
		module_unregister_callbacks(callbacks_cookie);
		callbacks_cookie = NULL;
		printf("callbacks: unregistered\n");
		return 0;
	default:
		return ENOTTY;
	}
}
