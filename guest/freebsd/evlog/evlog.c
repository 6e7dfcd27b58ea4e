/*
 * evlog: the classic kld skeleton. A generic module declared with a moduledata_t and
 * DECLARE_MODULE whose event handler logs every event it receives, returning 0 for
 * MOD_LOAD, MOD_UNLOAD, MOD_SHUTDOWN and MOD_QUIESCE and EOPNOTSUPP for anything else,
 * as a well-behaved FreeBSD module does.
 *
 *   kldload ./evlog.ko    ->  "evlog: MOD_LOAD (priv=evlog)"
 *   kldunload evlog       ->  "evlog: MOD_QUIESCE ..." then "evlog: MOD_UNLOAD ..."
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>

static int evlog_events;

static const char *
evlog_event_name(int what)
{
	switch (what) {
	case MOD_LOAD:
		return ("MOD_LOAD");
	case MOD_UNLOAD:
		return ("MOD_UNLOAD");
	case MOD_SHUTDOWN:
		return ("MOD_SHUTDOWN");
	case MOD_QUIESCE:
		return ("MOD_QUIESCE");
	default:
		return ("unknown");
	}
}

static int
evlog_handler(module_t mod, int what, void *arg)
{
	const char *priv = arg;

	evlog_events++;
	printf("evlog: %s (priv=%s, event #%d)\n", evlog_event_name(what), priv,
	    evlog_events);
	switch (what) {
	case MOD_LOAD:
	case MOD_UNLOAD:
	case MOD_SHUTDOWN:
	case MOD_QUIESCE:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t evlog_mod = {
	"evlog",
	evlog_handler,
	"evlog"
};

DECLARE_MODULE(evlog, evlog_mod, SI_SUB_KLD, SI_ORDER_ANY);
MODULE_VERSION(evlog, 1);
