"""User copies (arch/x86/lib/usercopy_*.c, lib/usercopy.c): a module's only way to touch the
memory a process handed it. Addresses outside user space, or not mapped, copy nothing."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("usercopy")


def _user_ok(k, addr: int, n: int) -> bool:
    return n == 0 or (k.user.contains(addr, n) and k.machine.mem.is_mapped(addr, n))


@table.service("unsigned long _copy_to_user(void *to, const void *from, unsigned long n)")
def _copy_to_user(k, to: int, frm: int, n: int) -> int:
    """Copy n kernel bytes to user space; returns the number of bytes NOT copied (0: all)."""
    if not _user_ok(k, to, n):
        return n
    k.check_length(frm, n, "read")
    if n:
        k.machine.mem.write(to, k.machine.mem.read(frm, n))
    return 0


@table.service("unsigned long _copy_from_user(void *to, const void *from, unsigned long n)")
def _copy_from_user(k, to: int, frm: int, n: int) -> int:
    """Copy n user bytes into the kernel; returns the bytes NOT copied, and zeroes that many
    at the end of `to` as the kernel does (no stale kernel data leaks through)."""
    k.check_length(to, n, "write")
    if not _user_ok(k, frm, n):
        if n:
            k.machine.mem.write(to, bytes(n))
        return n
    if n:
        k.machine.mem.write(to, k.machine.mem.read(frm, n))
    return 0


@table.service("void __check_object_size(const void *ptr, unsigned long n, bool to_user)")
def __check_object_size(k, ptr: int, n: int, to_user: int) -> None:
    """Hardened usercopy: the kernel object must lie in kernel memory (a bad one is an oops
    in the real kernel; here the access check faults the service)."""
    if n:
        k.check_length(ptr, n, "read" if to_user else "write")


@table.service("int __kemu_put_user(void *addr, unsigned long lo, unsigned long hi, int size)")
def __kemu_put_user(k, addr: int, lo: int, hi: int, size: int) -> int:
    """The body of __put_user_N (see thunks.py): 0 or -EFAULT."""
    if not _user_ok(k, addr, size):
        return -k.errno.EFAULT
    value = lo if size <= k.word_size else (lo & 0xFFFFFFFF) | (hi << 32)
    k.machine.mem.write(addr, (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))
    return 0


@table.service("int __kemu_get_user(const void *addr, int size, unsigned long *result)")
def __kemu_get_user(k, addr: int, size: int, result: int) -> int:
    """The body of __get_user_N (see thunks.py): 0 or -EFAULT; the value (zero-extended,
    0 on a fault) goes to *result (two words on i386 for size 8)."""
    ok = _user_ok(k, addr, size)
    value = int.from_bytes(k.machine.mem.read(addr, size), "little") if ok else 0
    k.machine.mem.write(result, value.to_bytes(8, "little"))
    return 0 if ok else -k.errno.EFAULT
