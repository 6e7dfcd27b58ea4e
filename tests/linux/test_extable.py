"""__ex_table fixups (kemu/os/linux/extable.py), both arches, on guest/linux/uaccess."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux import extable

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] " in line]


def user_int(linux, value):
    addr = linux.machine.alloc("user", 4096)
    linux.machine.mem.write_u32(addr, value)
    return addr


def test_inline_user_accesses_work_on_good_memory(linux):
    addr = user_int(linux, 41)
    linux.insmod(str(ko(linux.arch, "uaccess")), [f"uaddr={addr}"])
    assert messages(linux)[-3:] == ["uaccess: get 0 value 41", "uaccess: put 0", "uaccess: load 0 value 42"]
    assert linux.machine.mem.read_u32(addr) == 42


def test_a_fault_in_each_access_resumes_at_its_fixup_with_efault(linux):
    addr = user_int(linux, 41) + 0x100000          # user space, nothing mapped there
    assert not linux.machine.mem.is_mapped(addr, 4)
    m = linux.insmod(str(ko(linux.arch, "uaccess")), [f"uaddr={addr}"])
    assert messages(linux)[-3:] == ["uaccess: get -14 value -1", "uaccess: put -14", "uaccess: load -14 value -1"]
    assert "kemu oops" not in linux.dmesg()
    assert m.state.value == "live"


def test_the_module_table_has_uaccess_and_efault_reg_entries(linux):
    m = linux.insmod(str(ko(linux.arch, "uaccess")), [f"uaddr={user_int(linux, 1)}"])
    table = extable.read_ex_table(linux, m)
    kinds = {(e.type, e.imm) for e in table.values()}
    assert (extable.EX_TYPE_UACCESS, 0) in kinds
    assert (extable.EX_TYPE_IMM_REG, -14) in kinds             # EX_TYPE_EFAULT_REG
    owners = {linux.machine.lookup_symbol(a)[0].split(".")[0] for e in table.values() for a in (e.insn, e.fixup)}
    assert owners <= {"uaccess_peek", "uaccess_poke", "uaccess_load"}, owners


def test_a_fault_at_an_instruction_without_entry_still_oopses(linux):
    from kemu.kernel import GuestCrash
    m = linux.insmod(str(ko(linux.arch, "hello")))
    exit_text = next(p for p in m.image.placements if p.name == ".exit.text")
    load = b"\xa1\x00\x10\x00\x00" if linux.arch == "i386" else b"\x8b\x04\x25\x00\x10\x00\x00"
    linux.machine.mem.load_code(exit_text.addr, load + b"\xc3")    # mov eax, [0x1000]; ret
    with pytest.raises(GuestCrash) as exc:
        linux.call_kernel_pointer(exit_text.addr, what="hello: stray load")
    assert "unmapped read at 0x1000" in exc.value.report
    assert extable.search_exception_tables(linux, exit_text.addr) is None
