"""Booting the Linux personality: what a module finds in the kernel before it loads."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux import symvers

from .conftest import ARCHES


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def test_boot_reports_the_newest_shipped_release(linux):
    assert linux.uname_r() == symvers.default_release(linux.arch)
    assert linux.uname_r().startswith("6.1.0-")


def test_data_exports_are_zeroed_memory_of_their_recorded_size(linux):
    kinds = symvers.kinds(linux.release)
    sym = linux.kernel.symbols.get("kmalloc_caches")
    assert sym.kind == "object" and sym.size == kinds["kmalloc_caches"].size
    assert linux.machine.mem.read(sym.addr, sym.size) == bytes(sym.size)


def test_exports_carry_their_symvers_crc_and_gpl_flag(linux):
    table = symvers.vmlinux_exports(linux.release)
    printk = linux.kernel.symbols.get("_printk")
    assert printk.crc == table["_printk"].crc and printk.license is None
    gpl = [s.name for s in linux.kernel.symbols if s.name in table and table[s.name].gpl_only]
    assert gpl and all(linux.kernel.symbols.get(n).license == "GPL" for n in gpl)


def test_unimplemented_code_exports_are_absent(linux):
    # a real export kemu has no service for: a module needing it fails like an unknown symbol
    assert "blk_mq_tagset_busy_iter" in symvers.vmlinux_exports(linux.release)
    assert linux.kernel.symbols.get("blk_mq_tagset_busy_iter") is None


def test_thunks_are_guest_code(linux):
    ret = linux.kernel.symbols.get("__fentry__").addr
    assert linux.machine.mem.read(ret, 1) == b"\xc3"
    reg = "rax" if linux.arch == "x86_64" else "eax"
    thunk = linux.kernel.symbols.get(f"__x86_indirect_thunk_{reg}").addr
    assert linux.machine.mem.read(thunk, 2) == b"\xff\xe0"


def test_percpu_current_task_points_at_a_task(linux):
    sym = linux.kernel.symbols.get("current_task")
    base = linux.percpu.addr if linux.arch == "x86_64" else 0
    assert sym.addr == (symvers.kinds(linux.release)["current_task"].offset
                        + (0 if linux.arch == "x86_64" else linux.percpu.addr))
    assert linux.machine.mem.read_ptr(base + sym.addr) != 0


def test_x86_64_stack_canary_lives_at_gs_0x28():
    linux = kemu.boot("linux", "x86_64")
    assert linux.machine.regs.read("gs_base") == linux.percpu.addr
    assert linux.machine.mem.read_u64(linux.percpu.addr + 0x28) != 0


def test_unknown_release_is_refused_naming_the_shipped_ones():
    with pytest.raises(ValueError, match="kemu ships"):
        kemu.boot("linux", "x86_64", release="6.1.0-1-amd64")
