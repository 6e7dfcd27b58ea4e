/*
 * nullderef -- a MOD_MISC module whose load hook reads through a NULL
 * pointer.
 *
 * Job: a guest page fault during LKM_E_LOAD.  The pointer lives in a
 * volatile global (zero in .bss) so no compiler can prove it is NULL and
 * replace the load with a trap instruction: the fault is a real read of
 * address 0 by the module's own code.  kemu must report an oops naming
 * nullderef_load, fail the load, free the slot and stay usable.  The line
 * printed before the fault shows the hook did start.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lkm.h>

#include "kemu_test.h"

int nullderef_lkmentry(struct lkm_table *, int, int);

MOD_MISC("nullderef");

int *volatile nullderef_target;		/* always NULL */

/* not inlined, so a fault or stop inside it is reported under this name */
static int KEMU_NAMED_FRAME
nullderef_load(struct lkm_table *lkmtp, int cmd)
{
	printf("nullderef: reading through %p\n", (void *)nullderef_target);
	return (*nullderef_target);
}

int
nullderef_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, nullderef_load, lkm_nofunc, lkm_nofunc);
}
