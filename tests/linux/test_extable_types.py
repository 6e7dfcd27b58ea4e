"""The __ex_table handler types of kemu/os/linux/extable_types.py, on guest/linux/extypes
(load_unaligned_zeropad and the MSR fixup types), both arches."""
from __future__ import annotations

import pytest

import kemu
from kemu.machine import Prot
from kemu.os.linux.insmod import InsmodError

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] " in line]


def lonely_page(linux) -> int:
    """A fresh mapped page with unmapped pages on both sides."""
    m = linux.machine
    kdata = [r for r in m.mem.regions() if r.name == "kdata"][-1]
    page = kdata.end + 0x10000
    m.mem.map(page, 4096, Prot.RW, "test page")
    return page


def test_a_zeropad_load_running_into_an_unmapped_page_gives_the_mapped_bytes(linux):
    page = lonely_page(linux)
    linux.machine.mem.write(page + 4096 - 8, bytes(range(0x11, 0x19)))
    linux.insmod(str(ko(linux.arch, "extypes")), [f"zp={page + 4096 - 3}"])
    assert messages(linux)[-1] == "extypes: zeropad 181716"           # 3 bytes, zero above


def test_a_zeropad_load_inside_mapped_memory_reads_the_whole_word(linux):
    page = lonely_page(linux)
    linux.machine.mem.write(page + 16, bytes(range(0x11, 0x21)))
    linux.insmod(str(ko(linux.arch, "extypes")), [f"zp={page + 16}"])
    word = linux.machine.word_size
    assert messages(linux)[-1] == "extypes: zeropad " + bytes(range(0x11, 0x11 + word))[::-1].hex()


def test_a_fault_far_from_the_next_word_is_not_a_zeropad_case_and_oopses(linux):
    page = lonely_page(linux)
    with pytest.raises(InsmodError, match="unmapped read at"):
        linux.insmod(str(ko(linux.arch, "extypes")), [f"zp={page + 8192 + 64}"])
    assert "word-at-a-time.h" in linux.dmesg()
    linux.insmod(str(ko(linux.arch, "hello")))                         # the kernel goes on


def test_msr_fixups_read_zero_warn_once_unchecked_and_give_eio_when_checked(linux):
    page = lonely_page(linux)
    linux.insmod(str(ko(linux.arch, "extypes")), [f"bad={page + 8192}"])
    lines = messages(linux)
    warnings = [line for line in lines if line.startswith("unchecked MSR access error")]
    assert len(warnings) == 1
    assert warnings[0].startswith("unchecked MSR access error: RDMSR from 0xc0de at rIP: 0x")
    assert "(msr_unchecked+0x" in warnings[0]
    assert lines[-3:] == ["extypes: rdmsr lo 0 hi 0", "extypes: rdmsr lo 0 hi 0",
                          "extypes: rdmsr_safe err -5 lo 0 hi 0"]
