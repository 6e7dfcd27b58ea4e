/*
 * probe.c -- drive the guest modules, linked into one host program with
 * host_kernel.c, and print what they did as "fact key=value" lines.
 *
 * The modules are found exactly as a NetBSD kernel finds its built-in
 * modules: through the link set "modules", between the linker-made
 * __start_link_set_modules and __stop_link_set_modules, each entry a
 * pointer to a module's modinfo_t.  Each scenario calls the module's
 * mi_modcmd as kern_module.c would.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/errno.h>
#include <sys/uio.h>
#include <sys/fcntl.h>
#include <sys/module.h>

#include "host_kernel.h"

__link_set_decl(modules, modinfo_t);

modinfo_t *const *host_active_entry;

extern int32_t props_count;
extern char props_greeting[];
extern bool props_verbose;
extern int noautounload_asked;
extern int selfload_load_error, selfload_unload_error;
extern void *findsect_addr;
extern size_t findsect_size, findsect_linkset_size;
extern int findsect_missing_error;
extern int callbacks_loads, callbacks_unloads;
int chain_b_value(void);

long	write(int, const void *, unsigned long);

/* One "fact ..." line, written directly (the kernel printf marks module output with "| "). */
static void __printflike(1, 2)
factf(const char *fmt, ...)
{
	char line[300];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	write(1, "fact ", 5);
	write(1, line, (unsigned long)n);
	write(1, "\n", 1);
}

static void
fact(const char *key, long long value)
{
	factf("%s=%lld", key, value);
}

static modinfo_t *
find(const char *name)
{
	modinfo_t *const *mip;

	__link_set_foreach(mip, modules) {
		if (strcmp((*mip)->mi_name, name) == 0) {
			host_active_entry = mip;
			return *mip;
		}
	}
	return NULL;
}

static int
cmd(const char *name, modcmd_t c, void *arg)
{
	modinfo_t *mi = find(name);

	return mi == NULL ? -1 : mi->mi_modcmd(c, arg);
}

static int
fibo_read(int minor, uint32_t *out, size_t len)
{
	struct iovec iov = { out, len };
	struct uio uio = { &iov, 1, 0, len, UIO_READ, NULL };

	return host_cdevsw->d_read(makedev(host_cmajor, minor), &uio, 0);
}

static void
probe_fibo(void)
{
	uint32_t v[50];
	dev_t d0;
	int i;

	fact("fibo.modules", __link_set_count(modules));
	fact("fibo.class", find("fibo")->mi_class);
	fact("fibo.init", cmd("fibo", MODULE_CMD_INIT, NULL));
	fact("fibo.major", host_cmajor);
	d0 = makedev(host_cmajor, 0);
	fact("fibo.open0", host_cdevsw->d_open(d0, FREAD, 0, NULL));
	fact("fibo.open0_again", host_cdevsw->d_open(d0, FREAD, 0, NULL));
	fact("fibo.open8", host_cdevsw->d_open(makedev(host_cmajor, 8), FREAD, 0, NULL));
	fact("fibo.read", fibo_read(0, v, 10 * sizeof(uint32_t)));
	for (i = 0; i < 10; i++)
		factf("fibo.v%d=%u", i, v[i]);
	fact("fibo.short_read", fibo_read(0, v, 3));
	fact("fibo.fini_busy", cmd("fibo", MODULE_CMD_FINI, NULL));
	fact("fibo.close", host_cdevsw->d_close(d0, FREAD, 0, NULL));
	/* a fresh open restarts; 47 numbers reach 2971215073, then 1, 1, 2 */
	host_cdevsw->d_open(makedev(host_cmajor, 3), FREAD, 0, NULL);
	fibo_read(3, v, 50 * sizeof(uint32_t));
	factf("fibo.f47=%u", v[46]);
	factf("fibo.after=%u,%u,%u", v[47], v[48], v[49]);
	host_cdevsw->d_close(makedev(host_cmajor, 3), FREAD, 0, NULL);
	fact("fibo.stat", cmd("fibo", MODULE_CMD_STAT, NULL));
	fact("fibo.fini", cmd("fibo", MODULE_CMD_FINI, NULL));
	fact("fibo.detached", host_detach_calls);
}

static void
probe_props(void)
{
	static const struct host_prop full[] = {
		{ "count", HOST_NUMBER, 42, NULL, false },
		{ "greeting", HOST_STRING, 0, "hello from props.plist", false },
		{ "verbose", HOST_BOOL, 0, NULL, true },
	};
	static const struct host_prop wrong_types[] = {
		{ "count", HOST_STRING, 0, "42", false },
		{ "greeting", HOST_NUMBER, 7, NULL, false },
	};
	static const struct host_prop negative[] = {
		{ "count", HOST_NUMBER, -5, NULL, false },
	};
	static const struct host_prop too_big[] = {
		{ "count", HOST_NUMBER, 5000000000LL, NULL, false },
	};

	fact("props.init", cmd("props", MODULE_CMD_INIT, host_dictionary(full, 3)));
	fact("props.count", props_count);
	factf("props.greeting=%s", props_greeting);
	fact("props.verbose", props_verbose);
	fact("props.fini", cmd("props", MODULE_CMD_FINI, NULL));
	props_count = -1;
	fact("props.init_null", cmd("props", MODULE_CMD_INIT, NULL));
	fact("props.init_wrong_types", cmd("props", MODULE_CMD_INIT, host_dictionary(wrong_types, 2)));
	fact("props.count_after_wrong_types", props_count);
	fact("props.init_too_big", cmd("props", MODULE_CMD_INIT, host_dictionary(too_big, 1)));
	fact("props.init_negative", cmd("props", MODULE_CMD_INIT, host_dictionary(negative, 1)));
}

static void
probe_chain(void)
{
	fact("chain.c_init", cmd("chain_c", MODULE_CMD_INIT, NULL));
	fact("chain.b_init", cmd("chain_b", MODULE_CMD_INIT, NULL));
	fact("chain.a_init", cmd("chain_a", MODULE_CMD_INIT, NULL));
	fact("chain.b_value", chain_b_value());
	fact("chain.a_autounload", cmd("chain_a", MODULE_CMD_AUTOUNLOAD, NULL));
	fact("chain.b_autounload", cmd("chain_b", MODULE_CMD_AUTOUNLOAD, NULL));
	fact("chain.c_autounload", cmd("chain_c", MODULE_CMD_AUTOUNLOAD, NULL));
	factf("chain.a_required=%s", find("chain_a")->mi_required);
	factf("chain.b_required=%s", find("chain_b")->mi_required);
	fact("chain.c_required_null", find("chain_c")->mi_required == NULL);
}

static void
probe_others(void)
{
	fact("noautounload.autounload", cmd("noautounload", MODULE_CMD_AUTOUNLOAD, NULL));
	fact("noautounload.asked", noautounload_asked);
	fact("noautounload.fini", cmd("noautounload", MODULE_CMD_FINI, NULL));

	fact("initfail.init", cmd("initfail", MODULE_CMD_INIT, NULL));
	fact("initfail.live_allocations", host_live_allocations);
	fact("initfail.size_mismatches", host_kmem_size_mismatches);

	host_module_load_answer = EEXIST;
	fact("selfload.init", cmd("selfload", MODULE_CMD_INIT, NULL));
	factf("selfload.asked_for=%s", host_last_load_name);
	host_module_load_answer = 0;
	fact("selfload.init_when_kernel_allows", cmd("selfload", MODULE_CMD_INIT, NULL));
	host_module_unload_answer = EBUSY;
	fact("selfload.fini", cmd("selfload", MODULE_CMD_FINI, NULL));
	host_module_unload_answer = 0;
	fact("selfload.fini_when_kernel_allows", cmd("selfload", MODULE_CMD_FINI, NULL));

	fact("findsect.init", cmd("findsect", MODULE_CMD_INIT, NULL));
	fact("findsect.size", findsect_size);
	fact("findsect.linkset_size", findsect_linkset_size);
	fact("findsect.missing", findsect_missing_error);

	fact("callbacks.init", cmd("callbacks", MODULE_CMD_INIT, NULL));
	fact("callbacks.loads", callbacks_loads);
	fact("callbacks.fini", cmd("callbacks", MODULE_CMD_FINI, NULL));
	fact("callbacks.unloads", callbacks_unloads);
	fact("callbacks.registered", host_callbacks_registered);

	fact("oldversion.version", find("oldversion")->mi_version);
	fact("circ_a.class", find("circ_a")->mi_class);
}

int
main(void)
{
	probe_fibo();
	probe_props();
	probe_chain();
	probe_others();
	return 0;
}
