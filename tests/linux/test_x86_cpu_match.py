"""CPU matching (services/x86_cpu_match.py): a module's x86_cpu_id table is compared with
boot_cpu_data as the emulated CPU's CPUID filled it; XSAVE features and hypervisor
signatures are asked of CPUID too."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .platform_helpers import boot, call

INTEL, ANY = 0, 0xFFFF
X86_FEATURE_XMM2 = 0 * 32 + 26
X86_FEATURE_AVX = 4 * 32 + 28


@pytest.fixture(params=ARCHES)
def linux(request):
    return boot(request.param)


def id_table(linux, entries: list[tuple[int, int, int, int, int]]) -> int:
    """(vendor, family, model, steppings, feature) entries and the all-zero terminator."""
    lay, mem = linux.layout, linux.machine.mem
    size = lay.size("struct x86_cpu_id")
    base = linux.kernel.heap.alloc(size * (len(entries) + 1), "test", zero=True)
    for i, values in enumerate(entries):
        for name, value in zip(("vendor", "family", "model", "steppings", "feature"), values):
            mem.write_u16(base + i * size + lay.offset("struct x86_cpu_id", name), value)
    return base


def u64(linux, value: int) -> tuple[int, ...]:
    """A u64 argument: one register on x86-64, two (low, high) on i386."""
    return (value & 0xFFFFFFFF, value >> 32) if linux.arch == "i386" else (value,)


def boot_cpu(linux, field: str) -> int:
    lay = linux.layout
    return linux.machine.mem.read_u8(linux.data["boot_cpu_data"] + lay.offset("struct cpuinfo_x86", field))


def test_the_first_entry_describing_this_cpu_is_returned(linux):
    family, model = boot_cpu(linux, "x86"), boot_cpu(linux, "x86_model")
    size = linux.layout.size("struct x86_cpu_id")
    table = id_table(linux, [(2, family, model, 0, 0),                 # AMD: no
                             (INTEL, family, model + 1, 0, 0),         # another model: no
                             (INTEL, family, model, 0, X86_FEATURE_AVX),   # a feature it lacks: no
                             (ANY, family, 0, 0, X86_FEATURE_XMM2)])   # any vendor, SSE2: yes
    assert call(linux, "x86_match_cpu", table) == table + 3 * size


def test_a_table_nothing_matches_gives_null(linux):
    table = id_table(linux, [(INTEL, 15, 0, 0, 0), (ANY, 0, 0, 0, X86_FEATURE_AVX)])
    assert call(linux, "x86_match_cpu", table) == 0


def test_steppings_are_a_mask(linux):
    stepping = boot_cpu(linux, "x86_stepping")
    assert call(linux, "x86_match_cpu", id_table(linux, [(ANY, 0, 0, 1 << ((stepping + 1) % 16), X86_FEATURE_XMM2)])) == 0
    table = id_table(linux, [(ANY, 0, 0, 1 << stepping, X86_FEATURE_XMM2)])
    assert call(linux, "x86_match_cpu", table) == table


def test_xsave_features_follow_the_cpus_feature_bits(linux):
    name_slot = linux.kernel.heap.alloc(8, "test", zero=True)
    assert call(linux, "cpu_has_xfeatures", *u64(linux, 0b11), name_slot) == 1       # x87 | SSE
    assert linux.kernel.read_str(linux.machine.mem.read_ptr(name_slot)) == b"SSE registers"
    assert call(linux, "cpu_has_xfeatures", *u64(linux, 0b111), name_slot) == 0      # YMM: the CPU has no AVX
    assert linux.kernel.read_str(linux.machine.mem.read_ptr(name_slot)) == b"AVX registers"


def test_this_is_neither_a_kvm_nor_a_hyperv_guest(linux):
    assert call(linux, "kvm_para_available") & 0xFF == 0
    assert call(linux, "hv_is_hyperv_initialized") & 0xFF == 0
