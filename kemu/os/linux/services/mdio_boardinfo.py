"""MDIO board information (drivers/net/phy/mdio-boardinfo.c, 6.1): board code describes the
MDIO devices wired to a bus with mdiobus_register_board_info (an __init function of the
kernel's own, not exported to modules); when an MDIO bus registers, libphy calls
mdiobus_setup_mdiodev_from_board_info, which offers each entry whose bus_id equals the
bus's id to the callback that creates the device.

No board file of Debian's x86 kernels registers any, so the kernel's list is empty: the
walk below finds nothing and calls nothing, exactly as on a PC. Entries would be
(bus_id, struct mdio_board_info address) pairs in `board_entries`.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("mdio_boardinfo")


def board_entries(k) -> list[tuple[bytes, int]]:
    """mdio_board_list: what board code registered (nothing on x86)."""
    return k.linux.__dict__.setdefault("mdio_board_list", [])


@table.service("void mdiobus_setup_mdiodev_from_board_info(struct mii_bus *bus, "
               "int (*cb)(struct mii_bus *bus, struct mdio_board_info *bi))")
def mdiobus_setup_mdiodev_from_board_info(k, bus: int, cb: int) -> None:
    """Call cb(bus, bi) for every registered board entry naming this bus (errors are
    skipped, as the kernel skips them)."""
    entries = board_entries(k)
    if not entries:
        return
    bus_id = k.read_str(bus + k.linux.layout.offset("struct mii_bus", "id"), 64)
    for entry_bus, info in list(entries):
        if entry_bus == bus_id:
            k.linux.call_kernel_pointer(cb, bus, info, what="mdio board info callback")
