"""The ISA DMA channel table (kernel/dma.c, 6.1): request_dma / free_dma reserve one of the
8237 controllers' 8 channels for a driver (floppy takes channel 2), and /proc/dma lists the
reserved ones. Channel 4 is the cascade between the two controllers, taken from boot.

* request_dma: -EINVAL for a channel >= MAX_DMA_CHANNELS, -EBUSY when it is held, else the
  channel is held under `device_id` (the caller's string, which /proc/dma prints);
* free_dma: releases it; an out-of-range or already free channel only gets the kernel's
  warning.
A channel its module still holds at unload is released then and reported as left behind
(the table would otherwise point at the freed module's name string).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .owner import owning_module

table = ServiceTable("isa_dma")

MAX_DMA_CHANNELS = 8
CASCADE = 4


def channels(k) -> dict[int, str]:
    """Held channels -> the device_id they were requested under."""
    return k.linux.__dict__.setdefault("isa_dma_channels", {CASCADE: "cascade"})


def _undo(nr: int) -> str:
    return f"ISA DMA channel {nr}"


@table.service("int request_dma(unsigned int dmanr, const char *device_id)", needs_call=True)
def request_dma(k, dmanr: int, device_id: int, call=None) -> int:
    """Hold channel dmanr for device_id: 0, -EINVAL (no such channel) or -EBUSY (held)."""
    if dmanr >= MAX_DMA_CHANNELS:
        return -k.linux.errno.EINVAL
    held = channels(k)
    if dmanr in held:
        return -k.linux.errno.EBUSY
    held[dmanr] = k.read_str(device_id, 128).decode("latin-1") if device_id else "(null)"
    module = owning_module(k, call)
    if module is not None:
        module.on_unload(_undo(dmanr), lambda: held.pop(dmanr, None))
    return 0


@table.service("void free_dma(unsigned int dmanr)")
def free_dma(k, dmanr: int) -> None:
    """Release channel dmanr (warnings for a bad or free channel, as the kernel prints)."""
    if dmanr >= MAX_DMA_CHANNELS:
        k.linux.pr(f"Trying to free DMA{dmanr}", 4)
        return
    held = channels(k)
    if held.pop(dmanr, None) is None:
        k.linux.pr(f"Trying to free free DMA{dmanr}", 4)
        return
    for m in k.loader.modules:
        m.forget_undo(_undo(dmanr))


def proc_dma(linux) -> str:
    """/proc/dma: "NN: device_id" for each held channel."""
    held = channels(linux.kernel)
    return "".join(f"{nr:2d}: {held[nr]}\n" for nr in sorted(held))
