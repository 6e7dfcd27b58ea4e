/*
 * stackhog -- a MOD_MISC module whose load hook recurses until the kernel
 * stack is gone.
 *
 * Job: kernel stack overflow.  Each frame holds a 256-byte volatile array
 * and uses it after the recursive call, so the call can be neither inlined
 * away nor turned into a loop; the depth limit is a volatile that is never
 * reached.  With a NetBSD-sized kernel stack (a few pages) the guard page
 * is hit after some tens of frames; kemu must report a stack overflow
 * (not a plain hang), fail the load and stay usable.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lkm.h>

#include "kemu_test.h"

int stackhog_lkmentry(struct lkm_table *, int, int);

MOD_MISC("stackhog");

volatile int stackhog_limit = -1;	/* never equal to a depth */

static int KEMU_NAMED_FRAME
stackhog_recurse(int depth)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	frame[sizeof(frame) - 1] = (char)depth;
	if (depth == stackhog_limit)
		return (0);
	return (stackhog_recurse(depth + 1) + frame[0] + frame[sizeof(frame) - 1]);
}

/* not inlined, so a fault or stop inside it is reported under this name */
static int KEMU_NAMED_FRAME
stackhog_load(struct lkm_table *lkmtp, int cmd)
{
	printf("stackhog: recursing without end\n");
	return (stackhog_recurse(0));
}

int
stackhog_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, stackhog_load, lkm_nofunc, lkm_nofunc);
}
