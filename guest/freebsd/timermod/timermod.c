/*
 * timermod: callout(9), pause(9), tsleep/msleep/wakeup and the clock reads as a kld uses
 * them, on kemu's virtual clock (hz 1000).
 *
 * MOD_LOAD: pauses hz/4 ticks; sleeps in msleep (its mutex dropped meanwhile) until a
 * one-shot callout 30 ms later wakes it; lets a tsleep of 5 ticks time out (EWOULDBLOCK);
 * then starts a periodic callout (callout_init_mtx: it runs with the module's mutex held)
 * that re-arms itself every 100 ticks and prints its first three firings. MOD_UNLOAD stops
 * and drains it — unless debug.timermod.forget is 1, when it leaves it pending.
 */
#include <sys/param.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/callout.h>
#include <sys/sysctl.h>

static struct mtx tm_mtx;
static struct callout tm_callout;
static struct callout tm_wake;
static int tm_fires, tm_start, tm_done, tm_forget;
static const int tm_period = 100;

SYSCTL_NODE(_debug, OID_AUTO, timermod, CTLFLAG_RW | CTLFLAG_MPSAFE, 0, "timermod");
SYSCTL_INT(_debug_timermod, OID_AUTO, fires, CTLFLAG_RD, &tm_fires, 0,
    "periodic callout firings");
SYSCTL_INT(_debug_timermod, OID_AUTO, forget, CTLFLAG_RW, &tm_forget, 0,
    "leave the callout pending at unload");

static void
tm_tick(void *arg)
{
	mtx_assert(&tm_mtx, MA_OWNED);
	tm_fires++;
	if (tm_fires <= 3)
		printf("timermod: tick %d at +%d ticks (%s)\n", tm_fires, ticks - tm_start,
		    (const char *)arg);
	callout_reset(&tm_callout, tm_period, tm_tick, arg);
}

static void
tm_waker(void *arg)
{
	tm_done = 1;
	wakeup(&tm_done);
}

static long
tm_usec(const struct timeval *a, const struct timeval *b)
{
	return ((long)(b->tv_sec - a->tv_sec) * 1000000 + (b->tv_usec - a->tv_usec));
}

static int
tm_handler(module_t mod, int what, void *arg)
{
	struct timeval tv0, tv1;
	int error, start, stopped;

	switch (what) {
	case MOD_LOAD:
		mtx_init(&tm_mtx, "timermod", NULL, MTX_DEF);
		callout_init_mtx(&tm_callout, &tm_mtx, 0);
		callout_init(&tm_wake, 1);
		printf("timermod: hz=%d tick=%d tick_sbt=%ld\n", hz, tick, (long)tick_sbt);

		start = ticks;
		getmicrouptime(&tv0);
		error = pause("tmpause", hz / 4);
		getmicrouptime(&tv1);
		printf("timermod: pause returned %d after %d ticks (%ld us)\n", error,
		    ticks - start, tm_usec(&tv0, &tv1));

		start = ticks;
		callout_reset_sbt(&tm_wake, 30 * SBT_1MS, 0, tm_waker, NULL, 0);
		mtx_lock(&tm_mtx);
		error = msleep(&tm_done, &tm_mtx, PWAIT, "tmwait", hz);
		mtx_assert(&tm_mtx, MA_OWNED);
		mtx_unlock(&tm_mtx);
		printf("timermod: msleep woken: error %d done %d after %d ticks\n", error,
		    tm_done, ticks - start);

		start = ticks;
		error = tsleep(&tm_fires, PWAIT, "tmto", 5);
		printf("timermod: tsleep timed out: error %d after %d ticks\n", error,
		    ticks - start);

		tm_start = ticks;
		callout_reset(&tm_callout, tm_period, tm_tick, "periodic");
		printf("timermod: pending=%d active=%d\n", callout_pending(&tm_callout) != 0,
		    callout_active(&tm_callout) != 0);
		return (0);
	case MOD_UNLOAD:
		if (tm_forget) {
			printf("timermod: leaving the callout pending\n");
			return (0);
		}
		mtx_lock(&tm_mtx);
		stopped = callout_stop(&tm_callout);
		mtx_unlock(&tm_mtx);
		callout_drain(&tm_callout);
		printf("timermod: stopped=%d active=%d after %d firings\n", stopped,
		    callout_active(&tm_callout) != 0, tm_fires);
		mtx_destroy(&tm_mtx);
		return (0);
	case MOD_QUIESCE:
	case MOD_SHUTDOWN:
		return (0);
	}
	return (EOPNOTSUPP);
}

static moduledata_t tm_mod = { "timermod", tm_handler, NULL };
DECLARE_MODULE(timermod, tm_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
