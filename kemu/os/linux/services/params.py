"""Module parameters (kernel/params.c): the standard kernel_param_ops' set/get functions.

The kernel's param_ops_int, param_ops_charp … are data exports (struct kernel_param_ops in
kernel memory) whose set/get pointers are these services' stubs (see params.py), so a
module's own ops and the standard ones are called the same way: through the pointers."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("params")

PAGE_SIZE = 4096
#: name -> (bytes, signed) of the integer kinds of moduleparam.h
INTEGERS = {"byte": (1, False), "short": (2, True), "ushort": (2, False), "int": (4, True),
            "uint": (4, False), "long": ("W", True), "ulong": ("W", False), "ullong": (8, False),
            "hexint": (4, False)}


def _arg(k, kp: int) -> int:
    return k.machine.mem.read_ptr(kp + k.linux.layout.offset("struct kernel_param", "arg"))


def parse_integer(text: str, size: int, signed: bool) -> int | None:
    """kstrto*(s, 0): decimal, 0x hex or 0 octal, one trailing newline; None if invalid or out
    of range for the type."""
    t = text[:-1] if text.endswith("\n") else text
    neg = t.startswith("-")
    body = t[1:] if neg or t.startswith("+") else t
    if neg and not signed:
        return None
    try:
        if body.lower().startswith("0x"):
            value = int(body[2:], 16)
        elif body.startswith("0") and len(body) > 1:
            value = int(body[1:], 8)
        else:
            value = int(body, 10)
    except ValueError:
        return None
    if not body or body[0] in "+-" or "_" in body:
        return None
    value = -value if neg else value
    bits = 8 * size
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return value if lo <= value <= hi else None


def _set_integer(kind: str):
    def set_fn(k, val: int, kp: int) -> int:
        size, signed = INTEGERS[kind]
        size = k.word_size if size == "W" else size
        if not val:
            return -k.errno.EINVAL
        value = parse_integer(k.read_str(val, 64).decode("latin-1"), size, signed)
        if value is None:
            return -k.errno.EINVAL
        k.machine.mem.write(_arg(k, kp), (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))
        return 0
    set_fn.__doc__ = f"Parse a {kind} (kstrto{kind}, base 0) into *kp->arg; -EINVAL if it is not one."
    return set_fn


def _get_integer(kind: str):
    def get_fn(k, buffer: int, kp: int) -> int:
        size, signed = INTEGERS[kind]
        size = k.word_size if size == "W" else size
        raw = int.from_bytes(k.machine.mem.read(_arg(k, kp), size), "little")
        if signed and raw >> (8 * size - 1):
            raw -= 1 << (8 * size)
        text = (f"0x{raw:x}" if kind == "hexint" else str(raw)) + "\n"
        k.machine.mem.write(buffer, text.encode() + b"\0")
        return len(text)
    get_fn.__doc__ = f"Print *kp->arg as a {kind} and a newline into the page at buffer."
    return get_fn


for _kind in INTEGERS:
    table.service(f"int param_set_{_kind}(const char *val, const struct kernel_param *kp)")(_set_integer(_kind))
    table.service(f"int param_get_{_kind}(char *buffer, const struct kernel_param *kp)")(_get_integer(_kind))


def parse_bool(text: str | None) -> bool | None:
    """strtobool as param_set_bool uses it: no value is true; y/Y/1/on, n/N/0/off."""
    if text is None or text == "":
        return True
    t = text.lower()
    if t[:1] in ("y", "1") or t[:2] == "on":
        return True
    if t[:1] in ("n", "0") or t[:3] == "off":
        return False
    return None


@table.service("int param_set_bool(const char *val, const struct kernel_param *kp)")
def param_set_bool(k, val: int, kp: int) -> int:
    """A bool: no value, y/Y/1/on or n/N/0/off; -EINVAL otherwise."""
    value = parse_bool(k.read_str(val, 16).decode("latin-1") if val else None)
    if value is None:
        return -k.errno.EINVAL
    k.machine.mem.write_u8(_arg(k, kp), int(value))
    return 0


@table.service("int param_get_bool(char *buffer, const struct kernel_param *kp)")
def param_get_bool(k, buffer: int, kp: int) -> int:
    """'Y' or 'N' and a newline."""
    k.machine.mem.write(buffer, b"Y\n\0" if k.machine.mem.read_u8(_arg(k, kp)) else b"N\n\0")
    return 2


@table.service("int param_set_invbool(const char *val, const struct kernel_param *kp)")
def param_set_invbool(k, val: int, kp: int) -> int:
    """An inverted bool."""
    value = parse_bool(k.read_str(val, 16).decode("latin-1") if val else None)
    if value is None:
        return -k.errno.EINVAL
    k.machine.mem.write_u8(_arg(k, kp), int(not value))
    return 0


@table.service("int param_get_invbool(char *buffer, const struct kernel_param *kp)")
def param_get_invbool(k, buffer: int, kp: int) -> int:
    """'Y' when the variable is false."""
    k.machine.mem.write(buffer, b"N\n\0" if k.machine.mem.read_u8(_arg(k, kp)) else b"Y\n\0")
    return 2


@table.service("int param_set_charp(const char *val, const struct kernel_param *kp)")
def param_set_charp(k, val: int, kp: int) -> int:
    """A string: a kernel copy of the value (at most 1023 bytes, else -ENOSPC), freed with the
    module or when replaced."""
    text = k.read_str(val, 1025) if val else b""
    if len(text) > 1023:
        return -k.errno.ENOSPC
    copy = k.heap.alloc(len(text) + 1, "param", zero=True)
    k.machine.mem.write(copy, text)
    slot = _arg(k, kp)
    old = k.machine.mem.read_ptr(slot)
    if old in k.linux.param_strings:
        k.linux.param_strings.discard(old)
        k.heap.free(old)
    k.linux.param_strings.add(copy)
    k.machine.mem.write_ptr(slot, copy)
    return 0


@table.service("int param_get_charp(char *buffer, const struct kernel_param *kp)")
def param_get_charp(k, buffer: int, kp: int) -> int:
    """The string and a newline ("(null)" for NULL)."""
    ptr = k.machine.mem.read_ptr(_arg(k, kp))
    text = (k.read_str(ptr, PAGE_SIZE - 2) if ptr else b"(null)") + b"\n"
    k.machine.mem.write(buffer, text + b"\0")
    return len(text)


@table.service("void param_free_charp(void *arg)")
def param_free_charp(k, arg: int) -> None:
    """Free a string param_set_charp made."""
    ptr = k.machine.mem.read_ptr(arg)
    if ptr in k.linux.param_strings:
        k.linux.param_strings.discard(ptr)
        k.heap.free(ptr)


def _array_fields(k, kp: int) -> tuple[int, int, int, int, int]:
    lay, mem = k.linux.layout, k.machine.mem
    arr = mem.read_ptr(kp + lay.offset("struct kernel_param", "arr"))
    o = lambda f: arr + lay.offset("struct kparam_array", f)      # noqa: E731
    return (mem.read_u32(o("max")), mem.read_u32(o("elemsize")), mem.read_ptr(o("num")),
            mem.read_ptr(o("ops")), mem.read_ptr(o("elem")))


def _element_param(k, kp: int, addr: int) -> int:
    """A scratch struct kernel_param like kp but whose arg is one element."""
    lay = k.linux.layout
    size = lay.size("struct kernel_param")
    tmp = k.heap.alloc(size, "param")
    k.machine.mem.write(tmp, k.machine.mem.read(kp, size))
    k.machine.mem.write_ptr(tmp + lay.offset("struct kernel_param", "arg"), addr)
    return tmp


@table.service("int param_array_set(const char *val, const struct kernel_param *kp)")
def param_array_set(k, val: int, kp: int) -> int:
    """Comma-separated values, each set with the element ops; *num = how many; more than max
    is -EINVAL with the kernel's message."""
    maximum, elemsize, num, ops, elem = _array_fields(k, kp)
    text = k.read_str(val, 1024).decode("latin-1") if val else ""
    items = text.split(",")
    name = k.read_str(k.machine.mem.read_ptr(kp), 64).decode("latin-1")
    if len(items) > maximum:
        k.linux.pr(f"{name}: can only take {maximum} arguments", 3)
        return -k.errno.EINVAL
    setter = k.machine.mem.read_ptr(ops + k.linux.layout.offset("struct kernel_param_ops", "set"))
    for i, item in enumerate(items):
        tmp = _element_param(k, kp, elem + i * elemsize)
        sval = k.heap.alloc(len(item) + 1, "param", zero=True)
        k.machine.mem.write(sval, item.encode("latin-1"))
        try:
            ret = k.linux.call_kernel_pointer(setter, sval, tmp, what=f"{name}: set")
        finally:
            k.heap.free(sval)
            k.heap.free(tmp)
        if ret:
            return ret
    if num:
        k.machine.mem.write_u32(num, len(items))
    return 0


@table.service("int param_array_get(char *buffer, const struct kernel_param *kp)")
def param_array_get(k, buffer: int, kp: int) -> int:
    """Each element through the element ops' get, joined with commas, then a newline."""
    maximum, elemsize, num, ops, elem = _array_fields(k, kp)
    count = k.machine.mem.read_u32(num) if num else maximum
    getter = k.machine.mem.read_ptr(ops + k.linux.layout.offset("struct kernel_param_ops", "get"))
    parts = []
    for i in range(count):
        tmp = _element_param(k, kp, elem + i * elemsize)
        try:
            n = k.linux.call_kernel_pointer(getter, buffer, tmp, what="param get")
        finally:
            k.heap.free(tmp)
        parts.append(k.machine.mem.read(buffer, max(n, 0)).rstrip(b"\n"))
    text = b",".join(parts) + b"\n"
    k.machine.mem.write(buffer, text + b"\0")
    return len(text)
