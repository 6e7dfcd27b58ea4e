"""bdi_alloc/bdi_register/bdi_unregister/bdi_put (services/backing_dev.py) through their
stubs, in mtd's order: allocate, register under a printf-made name, unregister, put."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.services import backing_dev

from .conftest import ARCHES

STRUCT = "struct backing_dev_info"


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name: str, *args: int) -> int:
    svc, addr = linux.kernel.installed[name]
    variadic = svc.prototype.variadic and linux.arch == "i386"       # i386: varargs are cdecl
    return linux.machine.call(addr, *args, abi="cdecl" if variadic else None)


def call_int(linux, name: str, *args: int) -> int:
    """A C int result, signed."""
    ret = call(linux, name, *args) & 0xFFFFFFFF
    return ret - (1 << 32) if ret & 0x80000000 else ret


def text(linux, s: bytes) -> int:
    addr = linux.kernel.heap.alloc(len(s) + 1, "test", zero=True)
    linux.machine.mem.write(addr, s)
    return addr


def get(linux, bdi: int, field: str, size: int = 4) -> int:
    return linux.machine.mem.read_int(bdi + linux.layout.offset(STRUCT, field), size)


def test_alloc_initialises_reference_ratios_capabilities_and_readahead(linux):
    bdi = call(linux, "bdi_alloc", -1)
    word = linux.machine.word_size
    assert (get(linux, bdi, "refcnt"), get(linux, bdi, "min_ratio"), get(linux, bdi, "max_ratio")) == (1, 0, 100)
    assert get(linux, bdi, "max_prop_frac") == 1024
    assert get(linux, bdi, "capabilities") == 3
    assert get(linux, bdi, "ra_pages", word) == get(linux, bdi, "io_pages", word) == 32
    node = bdi + linux.layout.offset(STRUCT, "bdi_list")
    assert linux.machine.mem.read_ptr(node) == node


def test_register_names_lists_and_numbers_the_bdi(linux):
    bdi = call(linux, "bdi_alloc", -1)
    assert call_int(linux, "bdi_register", bdi, text(linux, b"%.28s-0"), text(linux, b"mtd")) == 0
    reg = backing_dev.bdis(linux.kernel)
    assert reg.names() == ["mtd-0"]
    assert get(linux, bdi, "id", 8) == 1
    assert linux.machine.mem.read_cstr(bdi + linux.layout.offset(STRUCT, "dev_name"), 64) == b"mtd-0"
    assert linux.machine.mem.read_ptr(reg.head) == bdi + linux.layout.offset(STRUCT, "bdi_list")
    name = call(linux, "bdi_dev_name", bdi)
    assert linux.machine.mem.read_cstr(name, 64) == b"mtd-0"


def test_a_second_bdi_with_the_same_name_is_eexist(linux):
    fmt = text(linux, b"mtd-0")
    first, second = call(linux, "bdi_alloc", -1), call(linux, "bdi_alloc", -1)
    assert call_int(linux, "bdi_register", first, fmt) == 0
    assert call_int(linux, "bdi_register", second, fmt) == -17
    assert "cannot create duplicate filename '/devices/virtual/bdi/mtd-0'" in linux.dmesg()


def test_unregister_and_put_free_it_without_warning(linux):
    bdi = call(linux, "bdi_alloc", -1)
    call(linux, "bdi_register", bdi, text(linux, b"x-1"))
    call(linux, "bdi_unregister", bdi)
    assert backing_dev.bdis(linux.kernel).names() == []
    assert linux.machine.mem.read_cstr(call(linux, "bdi_dev_name", bdi), 16) == b"(unknown)"
    call(linux, "bdi_put", bdi)
    assert linux.kernel.heap.block_containing(bdi) is None
    assert "W" not in linux.taints


def test_putting_a_registered_bdi_warns(linux):
    bdi = call(linux, "bdi_alloc", -1)
    call(linux, "bdi_register", bdi, text(linux, b"x-2"))
    call(linux, "bdi_put", bdi)
    assert "W" in linux.taints
