"""Frame buffer info allocation (drivers/video/fbdev/core/fbsysfs.c; 6.1):
framebuffer_alloc and framebuffer_release (fb_get_options, the video= options of the command
line, is services/platform_info.py's).

framebuffer_alloc gives one zeroed block holding the `struct fb_info` and, after it padded
to a long, the driver's `size` private bytes, pointed at by info->par (NULL when size is
0); its device is `dev`, fbcon_rotate_hint -1 (no rotation asked), and the backlight curve
mutex initialized (Debian builds FB_BACKLIGHT). framebuffer_release frees it; one still
registered (a non-zero count) is the kernel's WARN and is not freed. The block is charged
to the caller, so a driver that never releases it shows the leak.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list

table = ServiceTable("fb_alloc")


def _off(k, field: str) -> int:
    return k.linux.layout.offset("struct fb_info", field)


@table.service("struct fb_info *framebuffer_alloc(size_t size, struct device *dev)", needs_call=True)
def framebuffer_alloc(k, size: int, dev: int, call=None) -> int:
    """A new fb_info with `size` private bytes behind it (see the module docstring)."""
    word = k.machine.word_size
    info_size = k.linux.layout.size("struct fb_info")
    if size:
        info_size += word - info_size % word                 # PADDING: always 1..word bytes
    info = k.heap.alloc(info_size + size, "kmalloc", zero=True, caller=call.return_address)
    mem = k.machine.mem
    if size:
        mem.write_ptr(info + _off(k, "par"), info + info_size)
    mem.write_ptr(info + _off(k, "device"), dev)
    mem.write_u32(info + _off(k, "fbcon_rotate_hint"), 0xFFFFFFFF)
    init_list(k, info + _off(k, "bl_curve_mutex") + k.linux.layout.offset("struct mutex", "wait_list"))
    return info


@table.service("void framebuffer_release(struct fb_info *info)")
def framebuffer_release(k, info: int) -> None:
    """Free an fb_info (NULL: nothing); one still registered is the kernel's WARN."""
    if not info:
        return
    if k.machine.mem.read_u32(info + _off(k, "count")):
        k.linux.pr("------------[ cut here ]------------", 4)
        k.linux.pr("WARNING: framebuffer_release: fb_info is still registered", 4)
        k.linux.add_taint("W")
        return
    if info not in k.heap:
        k.linux.pr(f"WARNING: framebuffer_release: {info:#x} is not an fb_info framebuffer_alloc made", 4)
        return
    k.heap.free(info)
