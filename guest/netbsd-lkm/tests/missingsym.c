/*
 * missingsym -- a MOD_MISC module whose load hook calls a kernel function
 * that no kernel provides.
 *
 * Job: the undefined-symbol path.  Real NetBSD 1.6 modload fails at its
 * prelink step (ld: "undefined reference to `frobnicate_the_bus'", then
 * "modload: can't prelink ..."), so the "before" line must never appear.
 * Under lenient loading kemu links the name to a logging stub returning 0,
 * and the load hook then prints both lines; the missing-call report lists
 * frobnicate_the_bus(42).
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lkm.h>

#include "kemu_test.h"

int frobnicate_the_bus(int);		/* exists in no kernel */
int missingsym_lkmentry(struct lkm_table *, int, int);

MOD_MISC("missingsym");

/* not inlined, so a fault or stop inside it is reported under this name */
static int KEMU_NAMED_FRAME
missingsym_load(struct lkm_table *lkmtp, int cmd)
{
	int result;

	printf("missingsym: before frobnicate_the_bus\n");
	result = frobnicate_the_bus(42);
	printf("missingsym: after frobnicate_the_bus, result %d\n", result);
	return (0);
}

int
missingsym_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, missingsym_load, lkm_nofunc, lkm_nofunc);
}
