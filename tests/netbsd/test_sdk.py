"""Code written for a NetBSD 10 kernel compiles against guest/netbsd/include unchanged, and the
SDK's constants are NetBSD 10's: checked by compiling NetBSD-style sources with both compilers
for both arches (-Wall -Werror), with _Static_assert on every value a module or the personality
relies on."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from kemu.paths import ROOT

INCLUDE = ROOT / "guest" / "netbsd" / "include"

# A driver and a misc module in the style of NetBSD 10's own sources (dev_type_* prototypes,
# positional and designated cdevsw initialisers, the no*/null* entry points, kmem, proplib,
# module(9) calls, link sets) -- none of it adapted to kemu.
NETBSD_STYLE = r"""
#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD: probe.c,v 1.1 2024/01/01 00:00:00 kemu Exp $");
#include <sys/param.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/device.h>
#include <sys/errno.h>
#include <sys/fcntl.h>
#include <sys/ioctl.h>
#include <sys/kmem.h>
#include <sys/module.h>
#include <sys/proc.h>
#include <sys/queue.h>
#include <sys/uio.h>
#include <prop/proplib.h>

dev_type_open(probe_open);
dev_type_close(probe_close);
dev_type_read(probe_read);
dev_type_write(probe_write);
dev_type_ioctl(probe_ioctl);

const struct cdevsw probe_cdevsw = {
	.d_open = probe_open, .d_close = probe_close, .d_read = probe_read,
	.d_write = probe_write, .d_ioctl = probe_ioctl, .d_stop = nostop,
	.d_tty = notty, .d_poll = nopoll, .d_mmap = nommap, .d_kqfilter = nokqfilter,
	.d_discard = nodiscard, .d_flag = D_OTHER | D_MPSAFE
};
const struct cdevsw probe_positional = {
	nullopen, NULL, nullclose, noread, nowrite, noioctl, nostop, notty,
	nopoll, nommap, nokqfilter, nodiscard, NULL, NULL, D_OTHER
};
const struct bdevsw probe_bdevsw = {
	.d_open = nullopen, .d_close = nullclose, .d_strategy = NULL, .d_ioctl = noioctl,
	.d_dump = nodump, .d_psize = nosize, .d_discard = nodiscard, .d_flag = D_DISK
};

#define PROBEIOC _IOWR('p', 1, int)

struct probe_softc {
	TAILQ_ENTRY(probe_softc) sc_entry;
	char *sc_buf;
	size_t sc_len;
};
static TAILQ_HEAD(, probe_softc) probe_list = TAILQ_HEAD_INITIALIZER(probe_list);
static struct module *probe_self;
static specificdata_key_t probe_key;

int probe_open(dev_t dev, int flag, int mode, struct lwp *l)
{
	struct probe_softc *sc = kmem_zalloc(sizeof(*sc), KM_SLEEP);

	if (minor(dev) > 3)
		return ENXIO;
	sc->sc_buf = kmem_alloc(64, KM_SLEEP);
	sc->sc_len = 64;
	TAILQ_INSERT_TAIL(&probe_list, sc, sc_entry);
	return (flag & FREAD) ? 0 : EINVAL;
}

int probe_close(dev_t dev, int flag, int mode, struct lwp *l)
{
	struct probe_softc *sc;

	while ((sc = TAILQ_FIRST(&probe_list)) != NULL) {
		TAILQ_REMOVE(&probe_list, sc, sc_entry);
		kmem_free(sc->sc_buf, sc->sc_len);
		kmem_free(sc, sizeof(*sc));
	}
	return 0;
}

int probe_read(dev_t dev, struct uio *uio, int flag)
{
	char msg[32];
	int n = snprintf(msg, sizeof(msg), "unit %d\n", minor(dev));

	return uiomove(msg, uimin(n, uio->uio_resid), uio);
}

int probe_write(dev_t dev, struct uio *uio, int flag)
{
	return uio->uio_rw == UIO_WRITE ? 0 : EIO;
}

int probe_ioctl(dev_t dev, u_long cmd, void *data, int flag, struct lwp *l)
{
	if (cmd != PROBEIOC)
		return EPASSTHROUGH;
	*(int *)data += 1;
	return 0;
}

static void probe_load_cb(struct module *mod)
{
	if (module_source(mod) == MODULE_SOURCE_FILESYS)
		aprint_normal("loaded %s\n", module_name(mod));
}

MODULE(MODULE_CLASS_DRIVER, probe, "chain_c,props");

static int
probe_modcmd(modcmd_t cmd, void *opaque)
{
	prop_dictionary_t props = opaque;
	devmajor_t bmajor = NODEVMAJOR, cmajor = NODEVMAJOR;
	const char *s;
	uint32_t u;
	int64_t big;
	bool b;
	void *cookie, *addr;
	size_t size;
	prop_object_t obj;

	switch (cmd) {
	case MODULE_CMD_INIT:
		if (props != NULL && prop_dictionary_get_uint32(props, "u", &u) &&
		    prop_dictionary_get_int64(props, "big", &big) &&
		    prop_dictionary_get_bool(props, "b", &b) &&
		    prop_dictionary_get_string(props, "s", &s))
			printf("%u %" PRId64 " %d %s\n", u, big, b, s);
		if (props != NULL && (obj = prop_dictionary_get(props, "n")) != NULL &&
		    prop_object_type(obj) == PROP_TYPE_NUMBER)
			printf("%jd\n", prop_number_signed_value(obj));
		if (module_find_section("link_set_modules", &addr, &size) != 0)
			return ENOEXEC;
		cookie = module_register_callbacks(probe_load_cb, NULL);
		module_unregister_callbacks(cookie);
		module_specific_key_create(&probe_key, NULL);
		probe_self = module_kernel();
		module_setspecific(probe_self, probe_key, NULL);
		(void)module_getspecific(probe_self, probe_key);
		module_hold(probe_self);
		module_rele(probe_self);
		return devsw_attach("probe", &probe_bdevsw, &bmajor, &probe_cdevsw, &cmajor);
	case MODULE_CMD_FINI:
		devsw_detach(&probe_bdevsw, &probe_cdevsw);
		module_specific_key_delete(probe_key);
		return 0;
	case MODULE_CMD_AUTOUNLOAD:
		return EBUSY;
	default:
		return ENOTTY;
	}
}

struct probe_hook { const char *name; };
static const struct probe_hook probe_hook_a = { "a" };
__link_set_add_rodata(probe_hooks, probe_hook_a);
__link_set_decl(probe_hooks, const struct probe_hook);

int probe_count_hooks(void)
{
	const struct probe_hook * const *hp;
	int n = 0;

	__link_set_foreach(hp, probe_hooks)
		n += (*hp)->name[0] == 'a';
	return n == (int)__link_set_count(probe_hooks) ? n : -1;
}
"""

# Every value below is NetBSD 10's (sys/sys/*.h at the netbsd-10 branch).
CONSTANTS = r"""
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/errno.h>
#include <sys/fcntl.h>
#include <sys/kmem.h>
#include <sys/module.h>
#define C(x) _Static_assert(x, #x)
C(__NetBSD_Version__ == 1000000000);
C(__NetBSD_Prereq__(10, 0, 0) && !__NetBSD_Prereq__(10, 1, 0));
C(sizeof(dev_t) == 8 && sizeof(off_t) == 8 && sizeof(time_t) == 8 && sizeof(devmajor_t) == 4);
C(sizeof(modinfo_t) == 5 * sizeof(void *) - (sizeof(void *) == 4 ? 0 : 8));
C(major(makedev(29, 0x1234)) == 29 && minor(makedev(29, 0x1234)) == 0x1234);
C(makedev(29, 1) == 0x1d01 && makedev(300, 0x100) == 0x12c00 + (0x100 << 12));
C(NODEVMAJOR == -1 && NODEV == (dev_t)-1);
C(MODULE_CLASS_ANY == 0 && MODULE_CLASS_MISC == 1 && MODULE_CLASS_VFS == 2 &&
  MODULE_CLASS_DRIVER == 3 && MODULE_CLASS_EXEC == 4 && MODULE_CLASS_SECMODEL == 5 &&
  MODULE_CLASS_BUFQ == 6 && MODULE_CLASS_MAX == 7);
C(MODULE_SOURCE_KERNEL == 0 && MODULE_SOURCE_BOOT == 1 && MODULE_SOURCE_FILESYS == 2);
C(MODULE_CMD_INIT == 0 && MODULE_CMD_FINI == 1 && MODULE_CMD_STAT == 2 && MODULE_CMD_AUTOUNLOAD == 3);
C(MODCTL_LOAD == 0 && MODCTL_UNLOAD == 1 && MODCTL_OSTAT == 2 && MODCTL_EXISTS == 3 && MODCTL_STAT == 4);
C(MODCTL_LOAD_FORCE == 1 && MODCTL_NO_PROP == 2 && MODFLG_MUST_FORCE == 1 && MODFLG_AUTO_LOADED == 2);
C(MAXMODNAME == 32 && MAXMODDEPS == 10 && sizeof(modstat_t) == 64);
C(D_OTHER == 0 && D_TAPE == 1 && D_DISK == 2 && D_TTY == 3 && D_MPSAFE == 0x100);
C(KM_SLEEP == 1 && KM_NOSLEEP == 2 && FREAD == 1 && FWRITE == 2);
C(EPERM == 1 && ENOENT == 2 && ENXIO == 6 && ENOEXEC == 8 && EBADF == 9 && EDEADLK == 11);
C(ENOMEM == 12 && EFAULT == 14 && EBUSY == 16 && EEXIST == 17 && ENODEV == 19 && EINVAL == 22);
C(ENOTTY == 25 && EFBIG == 27 && EAGAIN == 35 && EOPNOTSUPP == 45 && EPROGMISMATCH == 75);
C(ENOSYS == 78 && EFTYPE == 79 && EOVERFLOW == 84 && ENOTSUP == 86 && ECANCELED == 87);
C(ENOTRECOVERABLE == 98 && ELAST == 98);
C(EJUSTRETURN == -2 && ERESTART == -3 && EPASSTHROUGH == -4);
"""


def compile_ok(tmp_path, compiler: str, arch: str, text: str) -> subprocess.CompletedProcess:
    if shutil.which(compiler) is None:
        pytest.skip(f"needs {compiler}")
    source = tmp_path / "probe.c"
    source.write_text(text)
    if compiler == "gcc":
        builtin = subprocess.run(["gcc", "-print-file-name=include"], capture_output=True, text=True).stdout.strip()
        argv = ["gcc", "-m32" if arch == "i386" else "-m64"]
    else:
        builtin = subprocess.run(["clang", "-print-resource-dir"], capture_output=True, text=True).stdout.strip() + "/include"
        argv = ["clang", f"--target={'i386' if arch == 'i386' else 'x86_64'}-unknown-none-elf"]
    return subprocess.run([*argv, "-std=gnu99", "-ffreestanding", "-nostdinc", "-Wall", "-Werror",
                           "-D_KERNEL", "-D_MODULE", f"-I{INCLUDE}", "-isystem", builtin, "-fsyntax-only",
                           str(source)], capture_output=True, text=True)


@pytest.mark.needs_tool
@pytest.mark.parametrize("compiler", ["gcc", "clang"])
@pytest.mark.parametrize("arch", ["i386", "x86_64"])
def test_netbsd10_style_driver_compiles_unchanged(tmp_path, compiler, arch):
    done = compile_ok(tmp_path, compiler, arch, NETBSD_STYLE)
    assert done.returncode == 0, done.stderr


@pytest.mark.needs_tool
@pytest.mark.parametrize("compiler", ["gcc", "clang"])
@pytest.mark.parametrize("arch", ["i386", "x86_64"])
def test_sdk_constants_are_netbsd10s(tmp_path, compiler, arch):
    done = compile_ok(tmp_path, compiler, arch, CONSTANTS)
    assert done.returncode == 0, done.stderr


@pytest.mark.needs_tool
def test_curlwp_is_not_offered(tmp_path):
    done = compile_ok(tmp_path, "gcc", "x86_64",
                      "#include <sys/param.h>\n#include <sys/lwp.h>\nvoid *f(void) { return curlwp; }\n")
    assert done.returncode != 0 and "curlwp" in done.stderr
