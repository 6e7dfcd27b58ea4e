"""Backlight class devices (drivers/video/backlight/backlight.c; 6.1), as far as kemu has
them: none. backlight_device_register is not kemu's, so no backlight device ever exists and
the list the kernel keeps them on is empty.

backlight_device_unregister(NULL) does nothing, as in the kernel — the error path of every
driver whose registration never happened (msi_laptop on a machine that is not an MSI
laptop) relies on that. Any other pointer is not a device kemu registered: the call is
refused with a warning naming it, instead of unlinking and freeing memory kemu does not own.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("backlight")


@table.service("void backlight_device_unregister(struct backlight_device *bd)")
def backlight_device_unregister(k, bd: int) -> None:
    """Unregister a backlight device: nothing for NULL; a warning for a device never registered."""
    if not bd:
        return
    k.linux.pr(f"WARNING: backlight_device_unregister: {bd:#x} is not a registered backlight device", 4)
    k.linux.add_taint("W")
