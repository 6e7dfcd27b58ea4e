/*
 * spin -- a MOD_MISC module whose load hook never returns.
 *
 * Job: the instruction budget / time limit.  The loop increments a volatile
 * counter, so it is a real loop of loads and stores rather than a single
 * "jmp ." the CPU could be caught on trivially.  kemu must stop it, report
 * where it was (spin_load), fail the load and stay usable.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lkm.h>

#include "kemu_test.h"

int spin_lkmentry(struct lkm_table *, int, int);

MOD_MISC("spin");

volatile unsigned long spin_iterations;

/* not inlined, so a fault or stop inside it is reported under this name */
static int KEMU_NAMED_FRAME
spin_load(struct lkm_table *lkmtp, int cmd)
{
	printf("spin: entering an endless loop\n");
	for (;;)
		spin_iterations++;
	/* NOTREACHED */
	return (0);
}

int
spin_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, spin_load, lkm_nofunc, lkm_nofunc);
}
