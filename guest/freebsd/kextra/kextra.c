/*
 * kextra: the FreeBSD 14 calls of kern_extra.py and kern_conf_extra.py as a kld makes them.
 * MOD_LOAD: make_dev_p (/dev/kextra root:operator 0640; a second one with the same name is
 * EEXIST), dev_ref/dev_rel, dev_refthread/dev_relthread, sscanf, asprintf into M_KEXTRA,
 * hexdump with a header and without the offsets, contigmalloc (page aligned) + contigfree,
 * zfree, memmem/strcspn/strchrnul, module_lookupbyname/module_lookupbyid.
 * MOD_UNLOAD: destroy_dev_sched_cb, whose callback prints, then destroy_dev_drain.
 * Each result is printed as `kextra: ...`.
 */
#include <sys/param.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/conf.h>

static MALLOC_DEFINE(M_KEXTRA, "kextra", "kextra buffers");

static struct cdevsw kextra_cdevsw = {
	.d_version = D_VERSION,
	.d_name = "kextra",
};
static struct cdev *kextra_dev;

static void
kextra_gone(void *arg)
{
	printf("kextra: %s destroyed, callback ran\n", (const char *)arg);
}

static void
kextra_load(module_t mod)
{
	struct cdev *dup = NULL;
	struct cdevsw *csw;
	char word[8], *s, *p;
	unsigned int hex;
	int a, n, used, ref, error;
	long big;
	void *contig;

	error = make_dev_p(MAKEDEV_CHECKNAME | MAKEDEV_WAITOK, &kextra_dev, &kextra_cdevsw,
	    NULL, UID_ROOT, GID_OPERATOR, 0640, "kextra");
	printf("kextra: make_dev_p error %d name %s\n", error, devtoname(kextra_dev));
	error = make_dev_p(MAKEDEV_CHECKNAME | MAKEDEV_WAITOK, &dup, &kextra_cdevsw,
	    NULL, UID_ROOT, GID_WHEEL, 0600, "kextra");
	printf("kextra: again error %d dev %s\n", error, dup == NULL ? "NULL" : "set");
	dev_ref(kextra_dev);
	dev_rel(kextra_dev);
	csw = dev_refthread(kextra_dev, &ref);
	printf("kextra: refthread %s ref %d\n", csw == &kextra_cdevsw ? "ours" : "other", ref);
	dev_relthread(kextra_dev, ref);

	n = sscanf("  42 0x1f word -700000 rest", "%d %x %7s %ld%n", &a, &hex, word, &big, &used);
	printf("kextra: sscanf %d: %d %u %s %ld used %d\n", n, a, hex, word, big, used);
	n = sscanf("key=val", "%[a-z]=%c", word, &word[6]);
	printf("kextra: scanset %d: %s %c\n", n, word, word[6]);
	printf("kextra: empty %d\n", sscanf("", "%d", &a));

	n = asprintf(&s, M_KEXTRA, "%s-%d", "kextra", 14);
	printf("kextra: asprintf %d %s\n", n, s);
	hexdump(s, n, "kextra: ", 0);
	hexdump("AB\001", 3, "kextra: ", HD_OMIT_COUNT | 8 | (':' << 8));
	free(s, M_KEXTRA);

	contig = contigmalloc(5000, M_KEXTRA, M_WAITOK | M_ZERO, 0, ~0UL, PAGE_SIZE * 4, 0);
	printf("kextra: contig aligned %d zero %d\n",
	    ((uintptr_t)contig & (PAGE_SIZE * 4 - 1)) == 0, ((char *)contig)[4999] == 0);
	contigfree(contig, 5000, M_KEXTRA);
	p = malloc(16, M_KEXTRA, M_WAITOK);
	strlcpy(p, "secret", 16);
	zfree(p, M_KEXTRA);

	printf("kextra: memmem %s strcspn %zu strchrnul %d\n",
	    (char *)memmem("abcdef", 6, "cd", 2), strcspn("hello, world", ",;"),
	    *strchrnul("abc", 'z'));
	printf("kextra: lookup %s %s %s\n",
	    module_lookupbyname("kextra") == mod ? "byname" : "-",
	    module_lookupbyid(module_getid(mod)) == mod ? "byid" : "-",
	    module_lookupbyname("nosuch") == NULL ? "nosuch-null" : "-");
}

static int
kextra_handler(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		kextra_load(mod);
		return (0);
	case MOD_UNLOAD:
		destroy_dev_sched_cb(kextra_dev, kextra_gone, "kextra");
		destroy_dev_drain(&kextra_cdevsw);
		printf("kextra: unloaded\n");
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t kextra_mod = { "kextra", kextra_handler, NULL };
DECLARE_MODULE(kextra, kextra_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_VERSION(kextra, 1);
