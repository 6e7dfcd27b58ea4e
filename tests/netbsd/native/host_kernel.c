/*
 * host_kernel.c -- just enough of a NetBSD 10 kernel to run the guest
 * modules' C natively on an x86_64 host.
 *
 * Why: these tests pin down what the guest modules themselves do (fibo's
 * sequence, props' reading of its dictionary, the chain's cross-module
 * calls, selfload's and findsect's checks) before and independently of
 * kemu's module(9) personality.  The modules are the .kmod files kemu cc
 * builds for x86_64 (the host's ABI); this file and probe.c are compiled
 * against the same guest SDK and linked with the host C library into one
 * program.  Each service keeps to the NetBSD 10 contract the SDK documents
 * and records what it was asked, for probe.c to report:
 *   - printf writes "| " + the message to stdout (the module's dmesg);
 *   - uiomove moves min(n, uio_resid) bytes through the iovecs (every
 *     buffer is the probe's, so the kernel-space case only);
 *   - devsw_attach gives NODEVMAJOR requests major 341 and remembers the
 *     cdevsw; devsw_detach forgets it;
 *   - kmem_alloc/kmem_free count live allocations and check the size;
 *   - module_load/module_unload answer what the probe sets;
 *   - module_find_section finds "link_set_modules" and "kemu_blob" through
 *     the linker's __start_/__stop_ symbols, anything else is ENOENT;
 *   - module_register_callbacks replays two already-loaded modules;
 *   - prop_dictionary_* read a small in-memory dictionary with NetBSD's
 *     typed-getter rules (absent, wrong type or out of range: false).
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/module.h>
#include <sys/mutex.h>
#include <prop/proplib.h>

#include "host_kernel.h"

long	write(int, const void *, unsigned long);
void	*calloc(unsigned long, unsigned long);
void	free(void *);

int host_live_allocations;
int host_kmem_size_mismatches;
const struct cdevsw *host_cdevsw;
devmajor_t host_cmajor = NODEVMAJOR;
int host_detach_calls;
int host_module_load_answer;
int host_module_unload_answer;
const char *host_last_load_name;
const char *host_last_unload_name;
int host_callbacks_registered;

void
printf(const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	line[0] = '|';
	line[1] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(line + 2, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 3)
		n = sizeof(line) - 3;
	write(1, line, (unsigned long)n + 2);
}

size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size != 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int
uiomove(void *buf, size_t n, struct uio *uio)
{
	char *kbuf = buf;

	while (n > 0 && uio->uio_resid > 0) {
		struct iovec *iov = uio->uio_iov;
		size_t cnt;

		if (iov->iov_len == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
			continue;
		}
		cnt = iov->iov_len < n ? iov->iov_len : n;
		if (uio->uio_rw == UIO_READ)
			memcpy(iov->iov_base, kbuf, cnt);
		else
			memcpy(kbuf, iov->iov_base, cnt);
		iov->iov_base = (char *)iov->iov_base + cnt;
		iov->iov_len -= cnt;
		uio->uio_resid -= cnt;
		uio->uio_offset += cnt;
		kbuf += cnt;
		n -= cnt;
	}
	return 0;
}

int
devsw_attach(const char *name, const struct bdevsw *bdev, devmajor_t *bmajor,
    const struct cdevsw *cdev, devmajor_t *cmajor)
{
	if (name == NULL || cdev == NULL)
		return EINVAL;
	if (host_cdevsw != NULL)
		return EEXIST;
	if (*cmajor < 0)
		*cmajor = 341;
	host_cdevsw = cdev;
	host_cmajor = *cmajor;
	return 0;
}

void
devsw_detach(const struct bdevsw *bdev, const struct cdevsw *cdev)
{
	if (cdev == host_cdevsw) {
		host_cdevsw = NULL;
		host_detach_calls++;
	}
}

int devenodev(dev_t dev, ...) { return ENODEV; }
void ttyvenodev(struct tty *tp, ...) { }
int seltrue(dev_t dev, int events, struct lwp *l) { return events; }
int seltrue_kqfilter(dev_t dev, struct knote *kn) { return 0; }
paddr_t nommap(dev_t dev, off_t off, int prot) { return (paddr_t)-1; }

struct host_block {
	size_t size;
};

void *
kmem_alloc(size_t size, km_flag_t flags)
{
	struct host_block *b = calloc(1, sizeof(*b) + size);

	b->size = size;
	host_live_allocations++;
	return b + 1;
}

void
kmem_free(void *p, size_t size)
{
	struct host_block *b = (struct host_block *)p - 1;

	if (b->size != size)
		host_kmem_size_mismatches++;
	host_live_allocations--;
	free(b);
}

int
module_load(const char *name, int flags, prop_dictionary_t props,
    modclass_t class)
{
	host_last_load_name = name;
	return host_module_load_answer;
}

int
module_unload(const char *name)
{
	host_last_unload_name = name;
	return host_module_unload_answer;
}

extern char __start_kemu_blob[] __dso_hidden, __stop_kemu_blob[] __dso_hidden;

int
module_find_section(const char *name, void **addr, size_t *size)
{
	if (strcmp(name, "link_set_modules") == 0) {
		/* the running module's own entry, as kobj would find it */
		*addr = (void *)host_active_entry;
		*size = sizeof(void *);
		return 0;
	}
	if (strcmp(name, "kemu_blob") == 0) {
		*addr = __start_kemu_blob;
		*size = (size_t)(__stop_kemu_blob - __start_kemu_blob);
		return 0;
	}
	return ENOENT;
}

/* Two modules "already loaded" when callbacks are registered. */
static const modinfo_t host_builtin_info = {
	.mi_version = __NetBSD_Version__, .mi_class = MODULE_CLASS_MISC,
	.mi_name = "builtin_thing",
};
static const modinfo_t host_fibo_info = {
	.mi_version = __NetBSD_Version__, .mi_class = MODULE_CLASS_DRIVER,
	.mi_name = "fibo",
};
static module_t host_modules[] = {
	{ .mod_info = &host_builtin_info, .mod_source = MODULE_SOURCE_KERNEL },
	{ .mod_info = &host_fibo_info, .mod_source = MODULE_SOURCE_FILESYS },
};
static void (*host_unload_cb)(struct module *);

const char *module_name(struct module *mod) { return mod->mod_info->mi_name; }
modsrc_t module_source(struct module *mod) { return mod->mod_source; }

void *
module_register_callbacks(void (*load)(struct module *),
    void (*unload)(struct module *))
{
	load(&host_modules[0]);
	load(&host_modules[1]);
	host_unload_cb = unload;
	host_callbacks_registered++;
	return &host_unload_cb;
}

void
module_unregister_callbacks(void *cookie)
{
	if (cookie == &host_unload_cb) {
		host_unload_cb(&host_modules[1]);
		host_unload_cb(&host_modules[0]);
		host_unload_cb = NULL;
		host_callbacks_registered--;
	}
}

/* The dictionary: a few typed entries. */
struct _prop_dictionary {
	int n;
	struct host_prop entries[8];
};

prop_dictionary_t
host_dictionary(const struct host_prop *entries, int n)
{
	static struct _prop_dictionary dicts[8];
	static int used;
	struct _prop_dictionary *d = &dicts[used++ % 8];

	d->n = n;
	memcpy(d->entries, entries, n * sizeof(*entries));
	return d;
}

static const struct host_prop *
lookup(prop_dictionary_t d, const char *key, int type)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->entries[i].key, key) == 0)
			return d->entries[i].type == type ? &d->entries[i] : NULL;
	return NULL;
}

unsigned int prop_dictionary_count(prop_dictionary_t d) { return d->n; }

bool
prop_dictionary_get_int32(prop_dictionary_t d, const char *key, int32_t *v)
{
	const struct host_prop *p = lookup(d, key, HOST_NUMBER);

	if (p == NULL || p->number < INT32_MIN || p->number > INT32_MAX)
		return false;
	*v = (int32_t)p->number;
	return true;
}

bool
prop_dictionary_get_string(prop_dictionary_t d, const char *key,
    const char **v)
{
	const struct host_prop *p = lookup(d, key, HOST_STRING);

	if (p == NULL)
		return false;
	*v = p->string;
	return true;
}

bool
prop_dictionary_get_bool(prop_dictionary_t d, const char *key, bool *v)
{
	const struct host_prop *p = lookup(d, key, HOST_BOOL);

	if (p == NULL)
		return false;
	*v = p->boolean;
	return true;
}

/* strlcat, log(9), kmem_asprintf/kmem_strfree and mutex(9) for mutexdemo and strdemo. */
size_t
strlcat(char *dst, const char *src, size_t size)
{
	size_t used = strlen(dst);

	if (used >= size)
		return size + strlen(src);
	return used + strlcpy(dst + used, src, size - used);
}

void
log(int level, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	line[0] = '|';
	line[1] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(line + 2, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 3)
		n = sizeof(line) - 3;
	write(1, line, (unsigned long)n + 2);
}

char *
kmem_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = kmem_alloc((size_t)n + 1, KM_SLEEP);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

void kmem_strfree(char *s) { kmem_free(s, strlen(s) + 1); }

void mutex_init(kmutex_t *m, kmutex_type_t t, int ipl) { m->u.mtxa_owner = 0; }
void mutex_destroy(kmutex_t *m) { }
void mutex_enter(kmutex_t *m) { m->u.mtxa_owner = 1; }
void mutex_exit(kmutex_t *m) { m->u.mtxa_owner = 0; }
int mutex_owned(const kmutex_t *m) { return m->u.mtxa_owner != 0; }

int
mutex_tryenter(kmutex_t *m)
{
	if (m->u.mtxa_owner != 0)
		return 0;
	m->u.mtxa_owner = 1;
	return 1;
}
