/*
 * kmisc: the small kernel interfaces ordinary klds call (kern_misc.py): strsep, strtol,
 * ffs/fls, module_getname/module_getid, strstr, strcasecmp, mallocarray,
 * malloc_usable_size, bootverbose/cold, DELAY (the virtual clock moves), arc4random and a
 * critical section. Everything happens in MOD_LOAD; each result is printed as `kmisc: ...`.
 */
#include <sys/param.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/systm.h>
#include <sys/malloc.h>
static MALLOC_DEFINE(M_KMISC, "kmisc", "misc");
static int h(module_t mod, int what, void *arg) {
	char buf[32], *p, *tok; char *end; long v; int *arr;
	if (what != MOD_LOAD) return 0;
	strlcpy(buf, "a,bb,ccc", sizeof(buf)); p = buf;
	while ((tok = strsep(&p, ",")) != NULL) printf("kmisc: token %s\n", tok);
	v = strtol("  -0x1f rest", &end, 0);
	printf("kmisc: strtol %ld end '%s' ffs %d fls %d\n", v, end, ffs(0x18), fls(0x18));
	printf("kmisc: name %s id %d strstr %s casecmp %d\n", module_getname(mod), module_getid(mod), strstr("hello world", "wor"), strcasecmp("ABC", "abc"));
	arr = mallocarray(4, sizeof(int), M_KMISC, M_WAITOK | M_ZERO);
	printf("kmisc: usable %zu boot %d cold %d\n", malloc_usable_size(arr), bootverbose, cold);
	free(arr, M_KMISC);
	DELAY(2500);
	printf("kmisc: ticks %d rnd %u\n", ticks, arc4random() != 0);
	critical_enter(); critical_exit();
	return 0;
}
static moduledata_t m = { "kmisc", h, NULL };
DECLARE_MODULE(kmisc, m, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
