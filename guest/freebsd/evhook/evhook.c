/*
 * evhook: eventhandler(9) the way real klds use it.
 *
 * MOD_LOAD registers for shutdown_final (SHUTDOWN_PRI_DEFAULT), kld_load and kld_unload,
 * keeping the tags, and runs an event of its own (evhook_ping) with EVENTHANDLER_INVOKE:
 * three handlers registered out of order run by priority, and one deregistered with
 * EVENTHANDLER_DEREGISTER no longer runs. MOD_UNLOAD deregisters everything, as a
 * well-behaved module must; with debug.evhook.forget set to 1
 * it "forgets", leaving its handlers registered after it is gone.
 *
 *   kldload evhook  ->  "evhook: ping 7 at priority 0 (first)" ... and kld_load lines for
 *                       files loaded later: "evhook: kld_load fibo.ko id 3 refs 1 ..."
 *   reboot          ->  "evhook: shutdown_final howto 0x0"
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>
#include <sys/linker.h>
#include <sys/eventhandler.h>
#include <sys/sysctl.h>
#include <sys/reboot.h>

typedef void (*evhook_ping_fn)(void *, int);
EVENTHANDLER_DECLARE(evhook_ping, evhook_ping_fn);

static eventhandler_tag evhook_shutdown_tag, evhook_load_tag, evhook_unload_tag;
static eventhandler_tag evhook_ping_tags[3];
static int evhook_forget;
static int evhook_loads_seen;

SYSCTL_NODE(_debug, OID_AUTO, evhook, CTLFLAG_RW | CTLFLAG_MPSAFE, 0, "evhook");
SYSCTL_INT(_debug_evhook, OID_AUTO, forget, CTLFLAG_RW, &evhook_forget, 0,
    "leave the handlers registered at unload");
SYSCTL_INT(_debug_evhook, OID_AUTO, loads_seen, CTLFLAG_RD, &evhook_loads_seen, 0,
    "kld_load events seen");

static void
evhook_ping(void *arg, int value)
{
	printf("evhook: ping %d at priority %s\n", value, (const char *)arg);
}

static void
evhook_shutdown_final(void *arg, int howto)
{
	printf("evhook: shutdown_final howto %#x (%s)%s\n", howto, (const char *)arg,
	    (howto & RB_HALT) ? " halting" : "");
}

static void
evhook_kld_load(void *arg, struct linker_file *lf)
{
	evhook_loads_seen++;
	printf("evhook: kld_load %s id %d refs %d linked %d size %#zx\n", lf->filename, lf->id,
	    lf->refs, lf->flags & LINKER_FILE_LINKED, lf->size);
}

static void
evhook_kld_unload(void *arg, const char *filename, caddr_t address, size_t size)
{
	printf("evhook: kld_unload %s size %#zx\n", filename, size);
}

static int
evhook_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		evhook_shutdown_tag = EVENTHANDLER_REGISTER(shutdown_final,
		    evhook_shutdown_final, "evhook", SHUTDOWN_PRI_DEFAULT);
		evhook_load_tag = EVENTHANDLER_REGISTER(kld_load, evhook_kld_load,
		    NULL, EVENTHANDLER_PRI_ANY);
		evhook_unload_tag = EVENTHANDLER_REGISTER(kld_unload,
		    evhook_kld_unload, NULL, EVENTHANDLER_PRI_ANY);
		evhook_ping_tags[0] = EVENTHANDLER_REGISTER(evhook_ping, evhook_ping,
		    "20000 (last)", EVENTHANDLER_PRI_LAST);
		evhook_ping_tags[1] = EVENTHANDLER_REGISTER(evhook_ping, evhook_ping,
		    "0 (first)", EVENTHANDLER_PRI_FIRST);
		evhook_ping_tags[2] = EVENTHANDLER_REGISTER(evhook_ping, evhook_ping,
		    "10000 (any)", EVENTHANDLER_PRI_ANY);
		EVENTHANDLER_INVOKE(evhook_ping, 7);
		EVENTHANDLER_DEREGISTER(evhook_ping, evhook_ping_tags[2]);
		EVENTHANDLER_INVOKE(evhook_ping, 8);
		return (0);
	case MOD_UNLOAD:
		EVENTHANDLER_DEREGISTER(evhook_ping, evhook_ping_tags[0]);
		EVENTHANDLER_DEREGISTER(evhook_ping, evhook_ping_tags[1]);
		if (evhook_forget) {
			printf("evhook: leaving my handlers registered\n");
			return (0);
		}
		EVENTHANDLER_DEREGISTER(shutdown_final, evhook_shutdown_tag);
		EVENTHANDLER_DEREGISTER(kld_load, evhook_load_tag);
		EVENTHANDLER_DEREGISTER(kld_unload, evhook_unload_tag);
		return (0);
	case MOD_SHUTDOWN:
		printf("evhook: MOD_SHUTDOWN\n");
		return (0);
	case MOD_QUIESCE:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t evhook_mod = {
	"evhook",
	evhook_modevent,
	NULL
};

DECLARE_MODULE(evhook, evhook_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_VERSION(evhook, 1);
