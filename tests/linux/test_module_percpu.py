"""A module's own per-CPU data (kemu/os/linux/module_percpu.py): .data..percpu copied into
the per-CPU area's module reserve and reached through %gs (x86-64) / %fs (i386) as on 6.1;
both arches, on guest/linux/percpu."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.insmod import InsmodError

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] " in line]


def load(linux, *params):
    return linux.insmod(str(ko(linux.arch, "percpu")), list(params))


def test_this_cpu_ops_on_the_module_own_variables_give_the_right_values(linux):
    load(linux)
    # five this_cpu_inc; 1000 (the initial value) + 0+1+2+3+4
    assert messages(linux)[-2:] == ["percpu: this_cpu_read hits 5 total 1010",
                                    "percpu: this_cpu_ptr hits 5, per_cpu(0) total 1010"]
    linux.rmmod("percpu")
    assert messages(linux)[-1] == "percpu: hits at exit 5"


def test_the_variables_live_in_the_per_cpu_area_not_in_the_module(linux):
    m = load(linux, "bumps=7")
    assert not any(p.name == ".data..percpu" for p in m.image.placements)
    (block,) = linux.module_percpu.blocks.values()
    area = linux.percpu
    assert area.size <= block.offset < area.size + area.reserve
    copy = area.addr + block.offset
    # each symbol became a per-CPU pointer (simplify_symbols): an offset from gs_base on
    # x86-64, the copy's address on i386 (flat %fs)
    assert block.pointer == (copy if linux.arch == "i386" else block.offset)
    for name in ("percpu_hits", "percpu_total"):
        sym = next(s for s in m.obj.symbols if s.name == name)
        assert sym.shndx == 0xFFF1 and block.pointer <= sym.value < block.pointer + block.size, sym
    counters = linux.machine.mem.read(copy, block.size)
    assert 7 in (int.from_bytes(counters[i:i + 4], "little") for i in range(0, block.size - 3, 4))
    lay = linux.layout
    this = m.os["this_module"]
    assert linux.machine.mem.read_ptr(this + lay.offset("struct module", "percpu")) == block.pointer
    assert linux.machine.mem.read_u32(this + lay.offset("struct module", "percpu_size")) == block.size


def test_a_reload_starts_from_the_initial_values_again(linux):
    load(linux)
    linux.rmmod("percpu")
    assert linux.module_percpu.blocks == {}
    load(linux, "bumps=3")
    assert messages(linux)[-2] == "percpu: this_cpu_read hits 3 total 1003"


def test_a_full_module_reserve_is_enomem_with_the_kernel_message(linux):
    reserve = linux.module_percpu
    hog = reserve.alloc(linux.percpu.reserve - 4, 4)
    with pytest.raises(InsmodError) as exc:
        load(linux)
    assert exc.value.name == "ENOMEM"
    assert any(line.startswith("percpu: Could not allocate ") and line.endswith(" bytes percpu data")
               for line in messages(linux))
    reserve.free(hog)
    load(linux)                                        # room again: it loads
    assert messages(linux)[-1].startswith("percpu: this_cpu_ptr hits 5")


def test_a_failed_load_gives_the_per_cpu_room_back(linux):
    with pytest.raises(InsmodError) as exc:
        load(linux, "bumps=many")                      # parse_args refuses it after placement
    assert exc.value.name == "EINVAL"
    assert linux.module_percpu.blocks == {}
