/*
 * hugewidth -- a MOD_MISC module whose load hook asks printf(9) for a
 * field two thousand million characters wide.
 *
 * Job: a valid call that a real BSD kernel would spend minutes printing
 * (kprintf pads one character at a time) must cost kemu a bounded amount
 * of memory and time: the width is clamped as Linux's vsprintf clamps it,
 * the output of the one call is cut, and the console says so.  The load
 * then goes on: the line printed after it shows the module kept running.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lkm.h>

#include "kemu_test.h"

int hugewidth_lkmentry(struct lkm_table *, int, int);

MOD_MISC("hugewidth");

static int KEMU_NAMED_FRAME
hugewidth_load(struct lkm_table *lkmtp, int cmd)
{
	printf("%*d\n", 0x7ffffff0, 1);
	printf("hugewidth: still running\n");
	return (0);
}

int
hugewidth_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, hugewidth_load, lkm_nofunc, lkm_nofunc);
}
