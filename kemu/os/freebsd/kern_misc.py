"""Small kernel interfaces the SDK headers declare and ordinary klds call, beyond the
subsystems of their own files: DELAY, module_getname/module_getid, vsnprintf/vsprintf,
the rest of libkern's string and number functions, arc4random, the kernel environment
(kemu boots with an empty one), critical sections, mallocarray/reallocf/malloc_usable_size,
securelevel_gt/ge, the fixed-width sysctl handlers, and the data words `bootverbose`, `cold`,
`panicstr`, `version`, `vm_guest`.

Each behaves as FreeBSD 14's (kern/subr_*, libkern/*, kern/kern_environment.c,
kern/kern_prot.c, kern/kern_sysctl.c) on kemu's one CPU: a critical section is a counter,
DELAY lets the virtual clock run (callouts may fire, as hardclock interrupts would during a
spin), arc4random is a fixed-seed generator so runs repeat.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable
from kemu.machine import GuestVaList

from . import services as base
from .sysctl_dynamic import _handle_fixed

table = ServiceTable("freebsd-misc")

M_ZERO = 0x0100


def _fb(k):
    return k.freebsd


def _cstr(k, addr: int, limit: int = 1 << 16) -> bytes:
    return k.machine.mem.read_cstr(addr, limit)


def boot_data(system) -> None:
    """The kernel's data words klds read."""
    version = f"FreeBSD {system.release} #0 releng/14.3-n271432: kemu\n".encode() + b"\0"
    system.kernel_data(4, "bootverbose")
    system.kernel_data(4, "cold")
    system.kernel_data(system.machine.word_size, "panicstr")
    system.kernel_data(len(version), "version", version)
    system.kernel_data(4, "vm_guest")          # VM_GUEST_NO: kemu does not say it is a VM


# --- time -------------------------------------------------------------------------------------
@table.service("void DELAY(int usec)")
def DELAY(k, usec: int) -> None:
    """Spin `usec` microseconds: the virtual clock moves by whole ticks once a tick's worth
    has accumulated (hardclock runs meanwhile)."""
    fb = _fb(k)
    fb.delay_us = getattr(fb, "delay_us", 0) + max(0, usec)
    per_tick = 1_000_000 // k.clock.hz
    whole, fb.delay_us = divmod(fb.delay_us, per_tick)
    if whole:
        fb.callouts.advance(whole)


# --- modules ----------------------------------------------------------------------------------
def _module(k, handle: int):
    for m in _fb(k).modules.modules:
        if m.handle == handle:
            return m
    raise KernelPanic(f"module_getname: {handle:#x} is not a module")


@table.service("const char *module_getname(void *mod)")
def module_getname(k, mod: int) -> int:
    """The module's name (a kernel copy made on first use)."""
    m = _module(k, mod)
    names = _fb(k).__dict__.setdefault("module_names", {})
    if m.name not in names:
        names[m.name] = _fb(k).kernel_data(len(m.name) + 1, None, m.name.encode("latin-1") + b"\0")
    return names[m.name]


@table.service("int module_getid(void *mod)")
def module_getid(k, mod: int) -> int:
    """The module's id (modfind/modstat's)."""
    return _module(k, mod).id


# --- formatting -------------------------------------------------------------------------------
@table.service("int vsnprintf(char *buf, size_t size, const char *fmt, void *ap)")
def vsnprintf(k, buf: int, size: int, fmt: int, ap: int) -> int:
    """snprintf with a va_list; the full length."""
    return base._store(k, buf, size, k.format(fmt, GuestVaList(k.machine.mem, k.arch, ap)))


@table.service("int vsprintf(char *buf, const char *fmt, void *ap)")
def vsprintf(k, buf: int, fmt: int, ap: int) -> int:
    """sprintf with a va_list."""
    text = k.format(fmt, GuestVaList(k.machine.mem, k.arch, ap))
    return base._store(k, buf, len(text) + 1, text)


# --- libkern ----------------------------------------------------------------------------------
@table.service("char *strstr(const char *s, const char *find)")
def strstr(k, s: int, find: int) -> int:
    """The first occurrence of `find` in `s`, or NULL."""
    at = _cstr(k, s).find(_cstr(k, find))
    return 0 if at < 0 else s + at


@table.service("size_t strnlen(const char *s, size_t maxlen)")
def strnlen(k, s: int, maxlen: int) -> int:
    """strlen, at most maxlen."""
    return len(k.machine.mem.read_cstr(s, maxlen)) if maxlen else 0


def _fold(b: bytes) -> bytes:
    return bytes(c + 32 if 65 <= c <= 90 else c for c in b)


def _cmp(a: bytes, b: bytes) -> int:
    for x, y in zip(a + b"\0", b + b"\0"):
        if x != y:
            return x - y
    return 0


@table.service("int strcasecmp(const char *a, const char *b)")
def strcasecmp(k, a: int, b: int) -> int:
    """strcmp ignoring ASCII case."""
    return _cmp(_fold(_cstr(k, a)), _fold(_cstr(k, b)))


@table.service("int strncasecmp(const char *a, const char *b, size_t n)")
def strncasecmp(k, a: int, b: int, n: int) -> int:
    """strncmp ignoring ASCII case."""
    return _cmp(_fold(_cstr(k, a)[:n]), _fold(_cstr(k, b)[:n]))


@table.service("char *strcat(char *dst, const char *src)")
def strcat(k, dst: int, src: int) -> int:
    """Append src to dst."""
    end = dst + len(_cstr(k, dst))
    k.machine.mem.write(end, _cstr(k, src) + b"\0")
    return dst


@table.service("size_t strspn(const char *s, const char *accept)")
def strspn(k, s: int, accept: int) -> int:
    """Length of the leading run of `accept` characters."""
    text, ok = _cstr(k, s), set(_cstr(k, accept))
    n = 0
    while n < len(text) and text[n] in ok:
        n += 1
    return n


@table.service("char *strsep(char **stringp, const char *delim)")
def strsep(k, stringp: int, delim: int) -> int:
    """The next token of *stringp, its end replaced by NUL; *stringp moves past it (NULL at
    the end)."""
    mem = k.machine.mem
    s = mem.read_ptr(stringp)
    if not s:
        return 0
    text, stops = _cstr(k, s), set(_cstr(k, delim))
    for i, c in enumerate(text):
        if c in stops:
            mem.write(s + i, b"\0")
            mem.write_int(stringp, k.word_size, s + i + 1)
            return s
    mem.write_int(stringp, k.word_size, 0)
    return s


@table.service("int bcmp(const void *a, const void *b, size_t n)")
def bcmp(k, a: int, b: int, n: int) -> int:
    """0 if the n bytes are equal."""
    return int(k.machine.mem.read(a, n) != k.machine.mem.read(b, n)) if n else 0


@table.service("int ffs(int mask)")
def ffs(k, mask: int) -> int:
    """The lowest set bit, counting from 1; 0 for 0."""
    mask &= 0xFFFFFFFF
    return (mask & -mask).bit_length()


@table.service("int fls(int mask)")
def fls(k, mask: int) -> int:
    """The highest set bit, counting from 1; 0 for 0."""
    return (mask & 0xFFFFFFFF).bit_length()


def _strto(k, nptr: int, endptr: int, base_: int, bits: int, signed: bool) -> int:
    text = _cstr(k, nptr, 256).decode("latin-1")
    i = 0
    while i < len(text) and text[i] in " \t\n\r\f\v":
        i += 1
    neg = False
    if i < len(text) and text[i] in "+-":
        neg, i = text[i] == "-", i + 1
    b = base_
    if (b in (0, 16)) and text[i:i + 2].lower() == "0x" and i + 2 < len(text) and \
            text[i + 2].lower() in "0123456789abcdef":
        i, b = i + 2, 16
    elif b == 0:
        b = 8 if text[i:i + 1] == "0" else 10
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:b]
    j, value = i, 0
    while j < len(text) and text[j].lower() in digits:
        value = value * b + digits.index(text[j].lower())
        j += 1
    if endptr:
        k.machine.mem.write_int(endptr, k.word_size, nptr + (j if j > i else 0))
    value = -value if neg else value
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if signed:
        value = max(lo, min(hi, value))
    elif abs(value) > hi:
        value = hi
    return value & ((1 << bits) - 1)


@table.service("long strtol(const char *nptr, char **endptr, int base)")
def strtol(k, nptr: int, endptr: int, base_: int) -> int:
    """A long from text (base 0: 0x hex, 0 octal, else decimal); clamps on overflow."""
    return _strto(k, nptr, endptr, base_, 8 * k.word_size, True)


@table.service("unsigned long strtoul(const char *nptr, char **endptr, int base)")
def strtoul(k, nptr: int, endptr: int, base_: int) -> int:
    """An unsigned long from text."""
    return _strto(k, nptr, endptr, base_, 8 * k.word_size, False)


@table.service("long long strtoq(const char *nptr, char **endptr, int base)")
def strtoq(k, nptr: int, endptr: int, base_: int) -> int:
    """A quad from text."""
    return _strto(k, nptr, endptr, base_, 64, True)


@table.service("unsigned long long strtouq(const char *nptr, char **endptr, int base)")
def strtouq(k, nptr: int, endptr: int, base_: int) -> int:
    """An unsigned quad from text."""
    return _strto(k, nptr, endptr, base_, 64, False)


def _random(k) -> int:
    """xorshift32 from a fixed seed: kemu runs repeat."""
    fb = _fb(k)
    x = getattr(fb, "arc4_state", 0x2545F491)
    x ^= (x << 13) & 0xFFFFFFFF
    x ^= x >> 17
    x ^= (x << 5) & 0xFFFFFFFF
    fb.arc4_state = x
    return x


@table.service("uint32_t arc4random(void)")
def arc4random(k) -> int:
    """32 pseudo-random bits (deterministic in kemu)."""
    return _random(k)


@table.service("void arc4random_buf(void *buf, size_t len)")
def arc4random_buf(k, buf: int, n: int) -> None:
    """n pseudo-random bytes."""
    out = b"".join(_random(k).to_bytes(4, "little") for _ in range((n + 3) // 4))
    k.machine.mem.write(buf, out[:n])


# --- the kernel environment (empty in kemu: no loader passed one) ------------------------------
@table.service("char *kern_getenv(const char *name)")
def kern_getenv(k, name: int) -> int:
    """NULL: no variable is set."""
    return 0


@table.service("void freeenv(char *env)")
def freeenv(k, env: int) -> None:
    """Free what kern_getenv returned (it never returns anything here)."""


@table.service("int getenv_int(const char *name, int *data)")
def getenv_int(k, name: int, data: int) -> int:
    """0 (not set): *data keeps its value, as TUNABLE defaults rely on."""
    return 0


@table.service("int getenv_string(const char *name, char *data, int size)")
def getenv_string(k, name: int, data: int, size: int) -> int:
    """0 (not set)."""
    return 0


# --- critical sections --------------------------------------------------------------------------
@table.service("void critical_enter_KBI(void)")
def critical_enter_KBI(k) -> None:
    """critical_enter() in a kld: one CPU, no preemption; only the nesting is counted."""
    fb = _fb(k)
    fb.critnest = getattr(fb, "critnest", 0) + 1


@table.service("void critical_exit_KBI(void)")
def critical_exit_KBI(k) -> None:
    """critical_exit(); leaving one not entered panics as INVARIANTS would."""
    fb = _fb(k)
    if getattr(fb, "critnest", 0) <= 0:
        raise KernelPanic("critical_exit: td_critnest == 0")
    fb.critnest -= 1


# --- malloc(9) extras --------------------------------------------------------------------------
@table.service("void *mallocarray(size_t nmemb, size_t size, struct malloc_type *type, int flags)",
               needs_call=True)
def mallocarray(k, nmemb: int, size: int, mtype: int, flags: int, call=None) -> int:
    """malloc(nmemb * size); an overflowing product panics (FreeBSD: "mallocarray: overflow")."""
    if nmemb and size and nmemb * size >= 1 << (8 * k.word_size):
        raise KernelPanic("mallocarray: overflow")
    return base.malloc.service.func(k, nmemb * size, mtype, flags, call=call)


@table.service("void *reallocf(void *addr, size_t size, struct malloc_type *type, int flags)",
               needs_call=True)
def reallocf(k, addr: int, size: int, mtype: int, flags: int, call=None) -> int:
    """realloc that frees the old block when it fails."""
    new = base.realloc.service.func(k, addr, size, mtype, flags, call=call)
    if not new and addr:
        base.free.service.func(k, addr, mtype, call=call)
    return new


@table.service("size_t malloc_usable_size(const void *addr)")
def malloc_usable_size(k, addr: int) -> int:
    """The size of the block malloc returned (0 for NULL)."""
    return k.heap.size_of(addr) if addr else 0


# --- securelevel (kern_prot.c) -----------------------------------------------------------------
@table.service("int securelevel_gt(void *cr, int level)")
def securelevel_gt(k, cr: int, level: int) -> int:
    """EPERM if kern.securelevel > level, else 0."""
    return k.errno.EPERM if _fb(k).securelevel > level else 0


@table.service("int securelevel_ge(void *cr, int level)")
def securelevel_ge(k, cr: int, level: int) -> int:
    """EPERM if kern.securelevel >= level, else 0."""
    return k.errno.EPERM if _fb(k).securelevel >= level else 0


# --- fixed-width sysctl handlers -----------------------------------------------------------------
@table.service("int sysctl_handle_8(void *oidp, void *arg1, intmax_t arg2, void *req)")
def sysctl_handle_8(k, oidp: int, arg1: int, arg2: int, req: int) -> int:
    """An 8-bit value."""
    return _handle_fixed(k, arg1, arg2, req, 1)


@table.service("int sysctl_handle_16(void *oidp, void *arg1, intmax_t arg2, void *req)")
def sysctl_handle_16(k, oidp: int, arg1: int, arg2: int, req: int) -> int:
    """A 16-bit value."""
    return _handle_fixed(k, arg1, arg2, req, 2)


@table.service("int sysctl_handle_32(void *oidp, void *arg1, intmax_t arg2, void *req)")
def sysctl_handle_32(k, oidp: int, arg1: int, arg2: int, req: int) -> int:
    """A 32-bit value."""
    return _handle_fixed(k, arg1, arg2, req, 4)


@table.service("int sysctl_wire_old_buffer(void *req, size_t len)")
def sysctl_wire_old_buffer(k, req: int, n: int) -> int:
    """Nothing to wire: the old buffer is kernel memory already; 0."""
    return 0
