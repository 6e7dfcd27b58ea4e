"""kldstat's Size is the linker file's `lf->size`: for amd64's relocatable klds link_elf_obj.c's
`mapsize`, the allocated sections summed in header order, each aligned first (not
page-rounded); for i386's shared-object klds link_elf.c's page-rounded span of the PT_LOAD
segments."""
from __future__ import annotations

import io

import pytest
from elftools.elf.elffile import ELFFile

import kemu

from .conftest import fixture_dir

LOADED = {"SHT_PROGBITS", "SHT_NOBITS", "SHT_INIT_ARRAY", "SHT_FINI_ARRAY", "SHT_X86_64_UNWIND"}
PAGE = 4096


def _kldstat_size(arch: str, kld: str) -> int:
    system = kemu.boot("freebsd", arch, module_path=[fixture_dir(arch)])
    return system.kldstat(system.kldload(kld)).size


def _mapsize_by_pyelftools(path: str) -> int:
    """link_elf_obj's sum, read with another ELF reader than kemu's."""
    size = 0
    with open(path, "rb") as f:
        for sec in ELFFile(f).iter_sections():
            h = sec.header
            if h.sh_size and h.sh_type in LOADED and h.sh_flags & 0x2:
                align = max(h.sh_addralign, 1)
                size = (size + align - 1) // align * align + h.sh_size
    return size


def test_fibo_on_amd64_is_the_sum_of_its_aligned_sections():
    # .text 0x1000, .rodata 0x1000 -> 0x2000, .data 0x178 -> 0x2178, .bss (align 32) 0x2180 + 0xe0,
    # set_modmetadata_set 0x18 -> 0x2278, set_sysinit_set 8 -> 0x2280
    assert _kldstat_size("x86_64", "fibo.ko") == 0x2280


@pytest.mark.parametrize("kld", ["fibo.ko", "cdev.ko", "sysctlmod.ko", "multi.ko", "echo.ko"])
def test_amd64_sizes_match_the_section_sum_not_pages(kld):
    assert _kldstat_size("x86_64", kld) == _mapsize_by_pyelftools(f"{fixture_dir('x86_64')}/{kld}")


def test_kldstat_prints_the_unrounded_size():
    system = kemu.boot("freebsd", "x86_64", module_path=[fixture_dir("x86_64")])
    shell = system.shell(cwd=fixture_dir("x86_64"))
    out = io.StringIO()
    shell.run_line("kldload fibo && kldstat -n fibo.ko", out, io.StringIO())
    assert out.getvalue().splitlines()[-1] == " 2    1 0xffffffffa0000000     2280 fibo.ko"


def test_i386_shared_object_klds_span_whole_pages():
    with open(f"{fixture_dir('i386')}/fibo.ko", "rb") as f:
        loads = [s.header for s in ELFFile(f).iter_segments() if s.header.p_type == "PT_LOAD"]
    first = loads[0].p_vaddr // PAGE * PAGE
    end = -(-(loads[-1].p_vaddr + loads[-1].p_memsz) // PAGE) * PAGE
    assert _kldstat_size("i386", "fibo.ko") == end - first
