/*
 * covmod -- a NetBSD LKM whose execution is known line by line, for kemu's
 * coverage tests.
 *
 * Job: give the coverage recorder a ground truth.  Loading it runs
 * covmod_load, which calls covmod_branch with covmod_mode (1, but data the
 * compiler cannot see through) so the `if` there goes one way only: the
 * then-line runs, the else-line never does.  Unloading runs covmod_unload.
 * covmod_never is reached by no path.  Each line that holds code carries a
 * marker comment the tests read: "hit" runs during load and unload, "miss"
 * never runs.  Every function is its own frame (not inlined, not cloned), so
 * -O2 keeps the same functions and the misses stay misses.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lkm.h>

#if defined(__clang__)
#define	COVMOD_FRAME	__attribute__((__noinline__))
#else
#define	COVMOD_FRAME	__attribute__((__noinline__, __noclone__))
#endif

int covmod_lkmentry(struct lkm_table *, int, int);

MOD_MISC("covmod");

int covmod_mode = 1;
int covmod_total;

COVMOD_FRAME int
covmod_never(int why)
{							/* miss */
	printf("covmod: never reached (%d)\n", why);	/* miss */
	return (why * 3);				/* miss */
}							/* miss */

COVMOD_FRAME static int
covmod_branch(int value)
{							/* hit */
	if (value > 0)					/* hit */
		covmod_total += value;			/* hit */
	else
		covmod_total = covmod_never(value);	/* miss */
	return (covmod_total);				/* hit */
}							/* hit */

COVMOD_FRAME static int
covmod_load(struct lkm_table *lkmtp, int cmd)
{							/* hit */
	printf("covmod: total %d\n", covmod_branch(covmod_mode));	/* hit */
	return (0);					/* hit */
}							/* hit */

COVMOD_FRAME static int
covmod_unload(struct lkm_table *lkmtp, int cmd)
{							/* hit */
	printf("covmod: unloaded\n");			/* hit */
	return (0);					/* hit */
}							/* hit */

int
covmod_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{							/* hit */
	DISPATCH(lkmtp, cmd, ver, covmod_load, covmod_unload, lkm_nofunc);	/* hit */
}							/* hit */
