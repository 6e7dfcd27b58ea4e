"""The NetBSD 10 kernel services a `.kmod` calls, each declared once with its C prototype.

Generic pieces come from kemu.kernel (copyin/copyout, the string functions, the printf
formatter, uiomove's algorithm, the heap); this table adds NetBSD 10's: printf and aprint_*,
kmem(9) with its size check, uiomove over NetBSD 10's uio, the device switch calls of
subr_devsw.c and the conf.h no-op helpers, the proplib getters a module uses on its
properties, and module(9)'s own calls (module_load, module_unload, module_find_section,
module_name, module_hold/rele, callbacks), which the framework in modules.py answers.

Services receive `k`, the kemu.kernel.Kernel; the NetBSD system object is `k.netbsd`.
"""
from __future__ import annotations

from kemu.kernel import HeapError, KernelPanic, ServiceTable
from kemu.machine import GuestVaList

from .layouts import TYPEDEFS
from .proplib import int32_of

table = ServiceTable("netbsd", TYPEDEFS)

KM_SLEEP, KM_NOSLEEP = 0x1, 0x2
POLL_TRUE = 0x0001 | 0x0004 | 0x0040 | 0x0100   # POLLIN|POLLOUT|POLLRDNORM|POLLWRNORM


def _fw(k):
    return k.netbsd.modules


# --- printf(9) and aprint ------------------------------------------------------------------------

@table.service("void printf(const char *fmt, ...)")
def printf(k, fmt: int, va) -> None:
    """Kernel printf: to the console and the message buffer (dmesg)."""
    k.msgbuf.write(k.format(fmt, va))


@table.service("void vprintf(const char *fmt, va_list ap)")
def vprintf(k, fmt: int, ap: int) -> None:
    """printf with a va_list."""
    k.msgbuf.write(k.format(fmt, GuestVaList(k.machine.mem, k.arch, ap)))


@table.service("void aprint_normal(const char *fmt, ...)")
def aprint_normal(k, fmt: int, va) -> None:
    """Autoconfiguration message: console and dmesg (a kernel booted without -q)."""
    k.msgbuf.write(k.format(fmt, va))


@table.service("void aprint_error(const char *fmt, ...)")
def aprint_error(k, fmt: int, va) -> None:
    """An autoconfiguration error: always printed, and counted by the kernel."""
    k.netbsd.aprint_errors += 1
    k.msgbuf.write(k.format(fmt, va))


@table.service("void aprint_naive(const char *fmt, ...)")
def aprint_naive(k, fmt: int, va) -> None:
    """Printed only on a kernel booted silent (-z); kemu's kernel boots normally: nothing."""
    k.format(fmt, va)


@table.service("void aprint_verbose(const char *fmt, ...)")
def aprint_verbose(k, fmt: int, va) -> None:
    """Printed only on a kernel booted verbose (-v); kemu's boots normally: nothing."""
    k.format(fmt, va)


@table.service("void aprint_debug(const char *fmt, ...)")
def aprint_debug(k, fmt: int, va) -> None:
    """Printed only on a kernel booted with -x (debug); kemu's boots normally: nothing."""
    k.format(fmt, va)


@table.service("int snprintf(char *buf, size_t size, const char *fmt, ...)")
def snprintf(k, buf: int, size: int, fmt: int, va) -> int:
    """Format into at most size bytes (NUL included); returns the full length."""
    text = k.format(fmt, va)
    if size > 0:
        chunk = text[:size - 1] + b"\0"
        k.check_range(buf, len(chunk), "write")
        k.machine.mem.write(buf, chunk)
    return len(text)


@table.service("void panic(const char *fmt, ...)")
def panic(k, fmt: int, va) -> None:
    """panic(9): abandon the running guest call with the message."""
    raise KernelPanic(k.format(fmt, va).decode("latin-1"))


# --- kmem(9) ----------------------------------------------------------------------------------------

def _kmem_alloc(k, size: int, flags: int, zero: bool, call) -> int:
    if size == 0:
        raise KernelPanic("kmem_alloc: zero-sized allocation")
    try:
        return k.heap.alloc(size, "kmem", zero=zero, caller=call.return_address)
    except HeapError as exc:
        if flags & KM_NOSLEEP:
            return 0
        raise KernelPanic(f"kmem_alloc: out of memory ({exc})") from None


@table.service("void *kmem_alloc(size_t size, km_flag_t flags)", needs_call=True)
def kmem_alloc(k, size: int, flags: int, call=None) -> int:
    """kmem_alloc(9): KM_SLEEP never fails (out of memory panics), KM_NOSLEEP may return NULL."""
    return _kmem_alloc(k, size, flags, False, call)


@table.service("void *kmem_zalloc(size_t size, km_flag_t flags)", needs_call=True)
def kmem_zalloc(k, size: int, flags: int, call=None) -> int:
    """kmem_alloc, zeroed."""
    return _kmem_alloc(k, size, flags, True, call)


@table.service("void kmem_free(void *p, size_t size)", needs_call=True)
def kmem_free(k, p: int, size: int, call=None) -> None:
    """kmem_free(9) must be told the size that was allocated: a different one panics, as the
    kernel's KMEM_SIZE check does; so does a pointer kmem did not hand out."""
    try:
        allocated = k.heap.size_of(p)
    except HeapError as exc:
        raise KernelPanic(f"kmem_free: {exc}") from None
    if allocated != size:
        raise KernelPanic(f"kmem_free({p:#x}, {size}) != allocated size {allocated}; overwrote?")
    k.heap.free(p, caller=call.return_address)


# --- uio --------------------------------------------------------------------------------------------

@table.service("int uiomove(void *buf, size_t n, struct uio *uio)")
def uiomove(k, buf: int, n: int, uio: int) -> int:
    """Move min(n, uio_resid) bytes between buf and the uio's iovecs (the user's memory unless
    uio_vmspace is the kernel's); 0 or EFAULT."""
    return k.netbsd.uio_move(buf, n, uio)


# --- conf.h helpers and subr_devsw.c ------------------------------------------------------------------

@table.service("int devenodev(dev_t dev, ...)")
def devenodev(k, dev: int, va) -> int:
    """noopen, nowrite, noioctl …: ENODEV."""
    return k.errno.ENODEV


@table.service("void ttyvenodev(struct tty *tp, ...)")
def ttyvenodev(k, tp: int, va) -> None:
    """nostop: does nothing."""
    return None


@table.service("int seltrue(dev_t dev, int events, struct lwp *l)")
def seltrue(k, dev: int, events: int, l: int) -> int:
    """nopoll: always ready for the normal read and write events asked for."""
    return events & POLL_TRUE


@table.service("int seltrue_kqfilter(dev_t dev, struct knote *kn)")
def seltrue_kqfilter(k, dev: int, kn: int) -> int:
    """nokqfilter: the always-true filter attaches (0)."""
    return 0


@table.service("paddr_t nommap(dev_t dev, off_t off, int prot)")
def nommap(k, dev: int, off: int, prot: int) -> int:
    """No mapping: (paddr_t)-1."""
    return (1 << (8 * k.word_size)) - 1


@table.service("int nullop(void *arg)")
def nullop(k, arg: int) -> int:
    """Does nothing, successfully."""
    return 0


@table.service("int enodev(void)")
def enodev(k) -> int:
    """ENODEV."""
    return k.errno.ENODEV


@table.service("int devsw_attach(const char *devname, const struct bdevsw *bdev, devmajor_t *bmajor, "
               "const struct cdevsw *cdev, devmajor_t *cmajor)", needs_call=True)
def devsw_attach(k, devname: int, bdev: int, bmajor: int, cdev: int, cmajor: int, call=None) -> int:
    """Install the driver's switches; majors of NODEVMAJOR (-1) are chosen and written back."""
    return k.netbsd.devsw.attach_from_guest(devname, bdev, bmajor, cdev, cmajor, call.return_address)


@table.service("void devsw_detach(const struct bdevsw *bdev, const struct cdevsw *cdev)", needs_call=True)
def devsw_detach(k, bdev: int, cdev: int, call=None) -> None:
    """Take the driver's switches out; its name keeps its majors."""
    k.netbsd.devsw.detach(bdev, cdev, call.return_address)


# --- proplib ------------------------------------------------------------------------------------------

def _dict(k, handle: int):
    return k.netbsd.props.get(handle)


def _key(k, key: int) -> str:
    return k.read_str(key, 1024).decode("utf-8", "replace")


@table.service("unsigned int prop_dictionary_count(prop_dictionary_t dict)")
def prop_dictionary_count(k, d: int) -> int:
    """Number of keys (0 for NULL or a pointer that is no dictionary)."""
    pd = _dict(k, d)
    return len(pd.values) if pd else 0


@table.service("bool prop_dictionary_get_int32(prop_dictionary_t dict, const char *key, int32_t *valp)")
def prop_dictionary_get_int32(k, d: int, key: int, valp: int) -> int:
    """true and *valp when the key holds a number that fits int32_t; false otherwise."""
    pd = _dict(k, d)
    value = int32_of(pd.values.get(_key(k, key))) if pd else None
    if value is None:
        return 0
    k.check_range(valp, 4, "write")
    k.machine.mem.write_u32(valp, value & 0xFFFFFFFF)
    return 1


@table.service("bool prop_dictionary_get_string(prop_dictionary_t dict, const char *key, const char **strp)")
def prop_dictionary_get_string(k, d: int, key: int, strp: int) -> int:
    """true and *strp (the dictionary's own string) when the key holds a string."""
    pd = _dict(k, d)
    name = _key(k, key) if pd else ""
    value = pd.values.get(name) if pd else None
    if not isinstance(value, str):
        return 0
    k.check_range(strp, k.word_size, "write")
    k.machine.mem.write_ptr(strp, k.netbsd.props.string_copy(pd, name, value))
    return 1


@table.service("bool prop_dictionary_get_bool(prop_dictionary_t dict, const char *key, bool *valp)")
def prop_dictionary_get_bool(k, d: int, key: int, valp: int) -> int:
    """true and *valp when the key holds <true/> or <false/>."""
    pd = _dict(k, d)
    value = pd.values.get(_key(k, key)) if pd else None
    if not isinstance(value, bool):
        return 0
    k.check_range(valp, 1, "write")
    k.machine.mem.write_u8(valp, int(value))
    return 1


# --- module(9) ----------------------------------------------------------------------------------------

@table.service("int module_load(const char *name, int flags, prop_dictionary_t props, modclass_t class)")
def module_load(k, name: int, flags: int, props: int, modclass: int) -> int:
    """Load a module from kernel code; 0 or an errno."""
    fw = _fw(k)
    pd = _dict(k, props)
    return fw.errno_of(lambda: fw.load_from_kernel(_key(k, name), flags, pd.values if pd else None, modclass))


@table.service("int module_autoload(const char *name, modclass_t class)")
def module_autoload(k, name: int, modclass: int) -> int:
    """Auto-load a module (kern.module.autoload permitting); 0 or an errno."""
    fw = _fw(k)
    return fw.errno_of(lambda: fw.autoload(_key(k, name), modclass))


@table.service("int module_unload(const char *name)")
def module_unload(k, name: int) -> int:
    """Unload a module from kernel code; 0 or an errno."""
    fw = _fw(k)
    return fw.errno_of(lambda: fw.unload(_key(k, name)))


@table.service("int module_find_section(const char *name, void **addr, size_t *size)")
def module_find_section(k, name: int, addr: int, size: int) -> int:
    """A section of the module whose modcmd is running: 0 with its address and size, or ENOENT."""
    found = _fw(k).find_section(_key(k, name))
    if found is None:
        return k.errno.ENOENT
    k.check_range(addr, k.word_size, "write")
    k.check_range(size, k.word_size, "write")
    k.machine.mem.write_ptr(addr, found[0])
    k.machine.mem.write_ptr(size, found[1])
    return 0


@table.service("const char *module_name(struct module *mod)")
def module_name(k, mod: int) -> int:
    """The module's name (its modinfo's mi_name)."""
    return _fw(k).by_handle(mod).name_addr


@table.service("modsrc_t module_source(struct module *mod)")
def module_source(k, mod: int) -> int:
    """Where it came from: MODULE_SOURCE_KERNEL (0, builtin), _BOOT (1), _FILESYS (2)."""
    return _fw(k).by_handle(mod).source


@table.service("module_t *module_kernel(void)")
def module_kernel(k) -> int:
    """The kernel's own module_t, named "netbsd"."""
    return _fw(k).kernel_module.handle


@table.service("void module_hold(module_t *mod)")
def module_hold(k, mod: int) -> None:
    """One more reference: the module cannot be unloaded while referenced."""
    _fw(k).by_handle(mod).refcnt += 1


@table.service("void module_rele(module_t *mod)")
def module_rele(k, mod: int) -> None:
    """Drop a reference module_hold took; below zero is a panic (KASSERT)."""
    m = _fw(k).by_handle(mod)
    if m.refcnt <= 0:
        raise KernelPanic(f"kernel diagnostic assertion \"mod->mod_refcnt > 0\" failed: module_rele({m.name})")
    m.refcnt -= 1


@table.service("void *module_register_callbacks(void (*load)(struct module *), void (*unload)(struct module *))")
def module_register_callbacks(k, load: int, unload: int) -> int:
    """Register a load/unload pair; load is called now for every module, oldest first."""
    return _fw(k).register_callbacks(load, unload)


@table.service("void module_unregister_callbacks(void *cookie)")
def module_unregister_callbacks(k, cookie: int) -> None:
    """unload is called for every module, newest first; then the pair goes."""
    _fw(k).unregister_callbacks(cookie)
