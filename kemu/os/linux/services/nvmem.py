"""NVMEM providers (drivers/nvmem/core.c in Linux 6.1): EEPROMs, OTP areas and MTD partitions
offered as byte-addressed non-volatile memory, each an `nvmem_device`.

nvmem_register(config) checks the config (no device, or neither reg_read nor reg_write:
ERR_PTR(-EINVAL)), takes an id from the nvmem ida and names the device as 6.1 does
(NVMEM_DEVID_NONE: the config's name; NVMEM_DEVID_AUTO: name and the ida id; else the name
and config->id, or "nvmem" and the ida id without a name). The nvmem_device (opaque to
modules) is a kernel heap block charged to the caller, listed in `linux.nvmem_devices` with
its name, size, word size, stride, read-only flag, reg_read/reg_write and priv, so the
provider can be read back; nvmem_unregister takes it off, gives the id back and frees it
(NULL or an error pointer: nothing). A provider whose module goes without unregistering
stays listed (a leak, visible) but its callbacks are no longer called.
"""
from __future__ import annotations

from dataclasses import dataclass

from kemu.kernel import ServiceTable

from ..kernel_state import state

table = ServiceTable("nvmem")

NVMEM_DEVID_NONE, NVMEM_DEVID_AUTO = -1, -2
STRUCT = "struct nvmem_config"
NVMEM_DEVICE_SIZE = 256


@dataclass(eq=False)
class NvmemDevice:
    handle: int
    id: int
    name: str
    size: int
    word_size: int
    stride: int
    read_only: bool
    reg_read: int
    reg_write: int
    priv: int
    module: object = None


def devices(k) -> dict[int, NvmemDevice]:
    return state(k, "nvmem_devices", lambda linux: {})


def _err_ptr(k, errno: int) -> int:
    return (-errno) & ((1 << (8 * k.machine.word_size)) - 1)


def _field(k, config: int, name: str, signed: bool = False) -> int:
    lay = k.linux.layout
    return k.machine.mem.read_int(config + lay.offset(STRUCT, name), lay.field_size(STRUCT, name), signed)


@table.service("struct nvmem_device *nvmem_register(const struct nvmem_config *config)", needs_call=True)
def nvmem_register(k, config: int, call=None) -> int:
    """Register an NVMEM provider; its nvmem_device, or ERR_PTR(-EINVAL) for a bad config."""
    if not _field(k, config, "dev") or not (_field(k, config, "reg_read") or _field(k, config, "reg_write")):
        return _err_ptr(k, k.errno.EINVAL)
    known = devices(k)
    ida = min(set(range(len(known) + 1)) - {d.id for d in known.values()})
    name_ptr, cid = _field(k, config, "name"), _field(k, config, "id", signed=True)
    name = k.read_str(name_ptr, 64).decode("utf-8", "replace") if name_ptr else None
    if cid == NVMEM_DEVID_NONE:
        text = name or "(null)"
    elif cid == NVMEM_DEVID_AUTO:
        text = f"{name or '(null)'}{ida}"
    else:
        text = f"{name}{cid}" if name else f"nvmem{ida}"
    handle = k.heap.alloc(NVMEM_DEVICE_SIZE, "nvmem_device", zero=True,
                          caller=call.return_address if call is not None else None)
    dev = NvmemDevice(handle, ida, text, _field(k, config, "size", signed=True),
                      _field(k, config, "word_size", signed=True) or 1, _field(k, config, "stride", signed=True) or 1,
                      bool(_field(k, config, "read_only")), _field(k, config, "reg_read"),
                      _field(k, config, "reg_write"), _field(k, config, "priv"))
    dev.module = k.linux.module_at(dev.reg_read or dev.reg_write)
    known[handle] = dev
    if dev.module is not None:
        def forget(d=dev):
            d.reg_read = d.reg_write = 0        # its code is gone: nothing calls it any more
        dev.module.on_unload(f"nvmem {text}", forget)
    return handle


@table.service("void nvmem_unregister(struct nvmem_device *nvmem)")
def nvmem_unregister(k, nvmem: int) -> None:
    """Unregister the provider and free its nvmem_device."""
    dev = devices(k).pop(nvmem, None)
    if dev is None:
        return
    if dev.module is not None:
        dev.module.forget_undo(f"nvmem {dev.name}")
    k.heap.free(nvmem)
