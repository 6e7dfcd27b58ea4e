"""copy(9): moving data between the kernel and user space, with the user range checked.

`copyin`/`copyout` refuse any range that is not entirely inside user space (a module passing a
kernel pointer as a user one gets EFAULT, as on a real kernel) and any unmapped page. The string
variants stop at the NUL and report how much they copied through `*done`; a string that does not
fit gets ENAMETOOLONG after `len` bytes were copied, as the BSDs do.
"""
from __future__ import annotations

from ..errors import BadAddress
from ..service import ServiceTable

table = ServiceTable("copy")


def _user(k, addr: int, n: int, access: str) -> None:
    if not k.user.contains(addr, n):
        raise BadAddress(addr, n, access, "not a user-space address")
    k.check_length(addr, n, access)


def _check(k, addr: int, n: int, access: str, user: bool) -> None:
    """A user range must lie in user space and be mapped; a kernel one only mapped."""
    if user:
        _user(k, addr, n, access)
    else:
        k.check_length(addr, n, access)


def _store_done(k, done: int, value: int) -> None:
    if done:
        k.machine.mem.write_int(done, k.word_size, value)


def _copy(k, src: int, dst: int, n: int, src_user: bool = False, dst_user: bool = False) -> int:
    """copyin, copyout and kcopy: check both ranges — the user one first, the source first
    otherwise — then copy; 0 (a fault in a check becomes EFAULT through the service)."""
    if n == 0:
        return 0
    ranges = [(src, "read", src_user), (dst, "write", dst_user)]
    if dst_user:
        ranges.reverse()
    for addr, access, user in ranges:
        _check(k, addr, n, access, user)
    k.machine.mem.copy(dst, src, n)
    return 0


@table.service("int copyin(const void *uaddr, void *kaddr, size_t len)")
def copyin(k, uaddr: int, kaddr: int, n: int) -> int:
    """Copy len bytes from user space to the kernel; 0 or EFAULT."""
    return _copy(k, uaddr, kaddr, n, src_user=True)


@table.service("int copyout(const void *kaddr, void *uaddr, size_t len)")
def copyout(k, kaddr: int, uaddr: int, n: int) -> int:
    """Copy len bytes from the kernel to user space; 0 or EFAULT."""
    return _copy(k, kaddr, uaddr, n, dst_user=True)


def _copystr(k, src: int, dst: int, n: int, done: int, src_user: bool, dst_user: bool) -> int:
    if n == 0:
        _store_done(k, done, 0)
        return k.errno.ENAMETOOLONG
    if src_user and not k.user.contains(src, 1):
        raise BadAddress(src, 1, "read", "not a user-space address")
    limit = n
    if src_user:
        limit = min(n, k.user.end - src)
    text = k.read_str(src, limit)
    found = len(text) < limit
    data = text + b"\0" if found else text
    _check(k, dst, len(data), "write", dst_user)
    k.machine.mem.write(dst, data)
    _store_done(k, done, len(data))
    if found:
        return 0
    if limit < n:  # the string runs off the end of user space
        raise BadAddress(src + limit, 1, "read", "string runs past the end of user space")
    return k.errno.ENAMETOOLONG


@table.service("int copyinstr(const void *uaddr, void *kaddr, size_t len, size_t *done)")
def copyinstr(k, uaddr: int, kaddr: int, n: int, done: int) -> int:
    """Copy a NUL-terminated string (at most len bytes with the NUL) from user space."""
    return _copystr(k, uaddr, kaddr, n, done, True, False)


@table.service("int copyoutstr(const void *kaddr, void *uaddr, size_t len, size_t *done)")
def copyoutstr(k, kaddr: int, uaddr: int, n: int, done: int) -> int:
    """Copy a NUL-terminated kernel string (at most len bytes with the NUL) to user space."""
    return _copystr(k, kaddr, uaddr, n, done, False, True)


@table.service("int copystr(const void *kfaddr, void *kdaddr, size_t len, size_t *done)")
def copystr(k, src: int, dst: int, n: int, done: int) -> int:
    """Copy a NUL-terminated string within the kernel."""
    return _copystr(k, src, dst, n, done, False, False)


@table.service("int kcopy(const void *src, void *dst, size_t len)")
def kcopy(k, src: int, dst: int, n: int) -> int:
    """Copy within the kernel, returning EFAULT instead of faulting."""
    return _copy(k, src, dst, n)
