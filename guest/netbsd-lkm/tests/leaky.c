/*
 * leaky -- a MOD_MISC module that allocates kernel memory on load and never
 * frees it.
 *
 * Job: leak accounting.  The load hook makes two M_DEVBUF allocations,
 * 100 and 28 bytes (M_WAITOK, the second also M_ZERO), prints their
 * addresses, and keeps the pointers in globals; the unload hook frees
 * nothing.  After modunload kemu's heap must list exactly these two blocks
 * (128 bytes in total) as leaked by "leaky".
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/lkm.h>

#define	LEAKY_FIRST	100
#define	LEAKY_SECOND	28

int leaky_lkmentry(struct lkm_table *, int, int);

MOD_MISC("leaky");

void *leaky_first;
void *leaky_second;

static int
leaky_load(struct lkm_table *lkmtp, int cmd)
{
	leaky_first = malloc(LEAKY_FIRST, M_DEVBUF, M_WAITOK);
	leaky_second = malloc(LEAKY_SECOND, M_DEVBUF, M_WAITOK | M_ZERO);
	printf("leaky: allocated %d bytes at %p and %d bytes at %p\n",
	    LEAKY_FIRST, leaky_first, LEAKY_SECOND, leaky_second);
	return (0);
}

static int
leaky_unload(struct lkm_table *lkmtp, int cmd)
{
	printf("leaky: unloading without freeing\n");
	return (0);
}

int
leaky_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, leaky_load, leaky_unload, lkm_nofunc);
}
