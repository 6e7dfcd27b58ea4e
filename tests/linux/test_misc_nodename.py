"""misc_register names the node as misc_devnode() tells devtmpfs: `nodename` when the driver
gives one (tun's "net/tun"), else `name`, with the driver's `mode` when set."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


def _misc(system, name: bytes, nodename: bytes | None, mode: int) -> int:
    lay, heap, mem = system.layout, system.kernel.heap, system.machine.mem
    misc = heap.alloc(lay.size("struct miscdevice"), "test", zero=True)
    fops = heap.alloc(lay.size("struct file_operations"), "test", zero=True)
    strings = [heap.alloc(len(s) + 1, "test") for s in (name, nodename or b"")]
    for addr, text in zip(strings, (name, nodename or b"")):
        mem.write(addr, text + b"\0")
    mem.write_u32(misc + lay.offset("struct miscdevice", "minor"), 255)          # MISC_DYNAMIC_MINOR
    mem.write_ptr(misc + lay.offset("struct miscdevice", "name"), strings[0])
    if nodename is not None:
        mem.write_ptr(misc + lay.offset("struct miscdevice", "nodename"), strings[1])
    mem.write_ptr(misc + lay.offset("struct miscdevice", "fops"), fops)
    mem.write_u16(misc + lay.offset("struct miscdevice", "mode"), mode)
    return misc


@pytest.mark.parametrize("arch", ARCHES)
def test_misc_node_follows_nodename_and_mode(arch):
    system = kemu.boot("linux", arch)
    tun = _misc(system, b"tun", b"net/tun", 0o666)
    plain = _misc(system, b"plain", None, 0)
    assert system.call("misc_register", tun) == 0 and system.call("misc_register", plain) == 0
    node = system.devfs.lookup("/dev/net/tun")
    assert node is not None and node.major == 10 and node.mode == 0o666
    assert system.devfs.lookup("/dev/plain").mode == 0o600
    system.call("misc_deregister", tun)
    assert system.devfs.lookup("/dev/net/tun") is None and system.devfs.lookup("/dev/plain") is not None
