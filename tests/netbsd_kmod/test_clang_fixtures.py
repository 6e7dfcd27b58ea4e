"""The clang-built fixtures behave as the gcc ones: fibo reads, the chain computes across
modules, properties arrive."""
from __future__ import annotations

import struct

import pytest

import kemu
from kemu.paths import ROOT


@pytest.mark.parametrize("arch", ["x86_64", "i386"])
def test_clang_modules_load_run_and_unload(arch):
    system = kemu.boot("netbsd", arch, modules=str(ROOT / "fixtures/netbsd" / arch / "clang"))
    system.modctl_load("fibo")
    system.devfs.mknod("/dev/fibo0", "c", system.devsw.conv["fibo"][1], 0, 0o444, 0, 0)
    fd = system.open("/dev/fibo0")
    assert struct.unpack("<5I", system.read(fd, 20)) == (1, 1, 2, 3, 5)
    system.close(fd)
    system.modctl_load("chain_a")
    system.modctl_load("props", props={"count": 3})
    log = system.dmesg()
    assert "chain_b_value() + chain_c_value() = 26" in log and "props: count = 3" in log
    for name in ("props", "chain_a", "chain_b", "chain_c", "fibo"):
        system.modctl_unload(name)
    assert system.modctl_stat() == [] and system.leaks() == []
