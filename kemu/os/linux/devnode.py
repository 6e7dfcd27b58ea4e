"""Where udev (devtmpfs) puts a device's node: what the class's devnode() callback names
(cpuid's "cpu/0/cpuid", with a mode if it gives one), else the device's own name
(drivers/base/core.c device_get_devnode)."""
from __future__ import annotations

from kemu.kernel import GuestCrash


def class_devnode(system, cls: int, dev: int, name: str) -> tuple[str, int | None]:
    """(path under /dev, mode or None) for device `dev` (its devt already set) of class `cls`."""
    lay, mem, k = system.layout, system.machine.mem, system.kernel
    fn = mem.read_ptr(cls + lay.offset("struct class", "devnode")) if cls else 0
    if not fn:
        return name, None
    mode_at = k.heap.alloc(4, "devnode mode", zero=True)
    try:
        text = system.call_kernel_word(fn, dev, mode_at, what=f"{name}: class devnode")
        mode = mem.read_u16(mode_at)
    except GuestCrash:
        return name, None
    finally:
        k.heap.free(mode_at)
    if not text:
        return name, None
    path = k.read_str(text, 256).decode("latin-1")
    k.heap.free(text)                  # the kernel kfree()s what devnode() allocated
    return (path or name), (mode & 0o7777) or None
