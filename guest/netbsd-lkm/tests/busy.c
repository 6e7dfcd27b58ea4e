/*
 * busy -- a MOD_MISC module that refuses its first unload.
 *
 * Job: the unload veto.  The unload hook counts its calls: the first
 * returns EBUSY (so LMUNLOAD fails with EBUSY and modunload prints
 * "modunload: LMUNLOAD: Device busy"; the module stays loaded and listed by
 * modstat), every later one returns 0 and the unload goes through.  A test
 * therefore sees the refusal and can still clean up with a second
 * modunload.  Each call prints which attempt it was.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lkm.h>

int busy_lkmentry(struct lkm_table *, int, int);

MOD_MISC("busy");

int busy_unload_attempts;

static int
busy_load(struct lkm_table *lkmtp, int cmd)
{
	busy_unload_attempts = 0;
	printf("busy: loaded; the first unload will be refused\n");
	return (0);
}

static int
busy_unload(struct lkm_table *lkmtp, int cmd)
{
	busy_unload_attempts++;
	if (busy_unload_attempts == 1) {
		printf("busy: unload attempt %d refused\n", busy_unload_attempts);
		return (EBUSY);
	}
	printf("busy: unload attempt %d accepted\n", busy_unload_attempts);
	return (0);
}

int
busy_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, busy_load, busy_unload, lkm_nofunc);
}
