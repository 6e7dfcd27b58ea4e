"""The firmware loader (drivers/base/firmware_loader/main.c in Linux 6.1).

request_firmware(&fw, name, dev) looks for /lib/firmware/NAME (and the updates/ and
versioned directories before it). kemu's machine has no firmware files, so the direct load
fails as the real loader's does: "Direct firmware load for NAME failed with error -2" (a
dev_warn, left out by firmware_request_nowarn and request_firmware_direct), no user-mode
fallback (Debian builds without CONFIG_FW_LOADER_USER_HELPER_FALLBACK), `*fw` set to NULL and
-ENOENT returned. An empty name is -EINVAL, a NULL `fw` pointer -EINVAL too.

release_firmware(fw) frees what a successful request gave (a `struct firmware` and its data,
both on the kernel heap, recorded in `linux.firmware_images`); NULL is allowed and does nothing.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .dev_printk import dev_driver_string, dev_name

table = ServiceTable("firmware_loader")


def _request(k, fw_p: int, name: int, dev: int, warn: bool) -> int:
    if not fw_p:
        return -k.errno.EINVAL
    k.machine.mem.write_ptr(fw_p, 0)
    if not name:
        return -k.errno.EINVAL
    text = k.read_str(name, 256).decode("utf-8", "replace")
    if not text:
        return -k.errno.EINVAL
    if warn:
        who = f"{dev_driver_string(k, dev)} {dev_name(k, dev)}: " if dev else "(NULL device *): "
        k.linux.pr(f"{who}Direct firmware load for {text} failed with error -{k.errno.ENOENT}", 4)
    return -k.errno.ENOENT


@table.service("int request_firmware(const struct firmware **firmware_p, const char *name, struct device *device)")
def request_firmware(k, fw_p: int, name: int, dev: int) -> int:
    """Load /lib/firmware/NAME: absent on this machine, so -ENOENT with the loader's warning."""
    return _request(k, fw_p, name, dev, True)


@table.service("int firmware_request_nowarn(const struct firmware **firmware, const char *name, struct device *device)")
def firmware_request_nowarn(k, fw_p: int, name: int, dev: int) -> int:
    """request_firmware without the warning."""
    return _request(k, fw_p, name, dev, False)


@table.service("int request_firmware_direct(const struct firmware **firmware_p, const char *name, struct device *device)")
def request_firmware_direct(k, fw_p: int, name: int, dev: int) -> int:
    """The direct file load only, without the warning."""
    return _request(k, fw_p, name, dev, False)


@table.service("void release_firmware(const struct firmware *fw)")
def release_firmware(k, fw: int) -> None:
    """Free a firmware image a request gave; NULL is a no-op. This machine's requests all
    fail, so any other pointer is one the loader never handed out: a kernel warning, not a
    free of someone else's memory."""
    if not fw:
        return
    loaded: dict = getattr(k.linux, "firmware_images", {})
    if fw not in loaded:
        k.linux.pr(f"WARNING: release_firmware: {fw:#x} is not a firmware image the loader gave", 4)
        k.linux.add_taint("W")
        return
    k.heap.free(loaded.pop(fw))
    k.heap.free(fw)
