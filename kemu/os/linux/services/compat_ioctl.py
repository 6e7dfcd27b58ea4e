"""compat_ptr_ioctl (fs/ioctl.c, 6.1): the .compat_ioctl drivers set when every command's
argument is a pointer. A 32-bit process's argument becomes a pointer (compat_ptr: zero
extension on x86) and goes to the file's own unlocked_ioctl; -ENOIOCTLCMD when it has none.
kemu runs no 32-bit processes on x86-64, but the driver's file_operations reference it."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("compat_ioctl")
ENOIOCTLCMD = 515


@table.service("long compat_ptr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)")
def compat_ptr_ioctl(k, file: int, cmd: int, arg: int) -> int:
    """file->f_op->unlocked_ioctl(file, cmd, compat_ptr(arg))."""
    lay, mem = k.linux.layout, k.machine.mem
    fops = mem.read_ptr(file + lay.offset("struct file", "f_op"))
    ioctl = mem.read_ptr(fops + lay.offset("struct file_operations", "unlocked_ioctl")) if fops else 0
    if not ioctl:
        return -ENOIOCTLCMD
    return k.linux.call_kernel_pointer(ioctl, file, cmd & 0xFFFFFFFF, arg & 0xFFFFFFFF, what="unlocked_ioctl")
