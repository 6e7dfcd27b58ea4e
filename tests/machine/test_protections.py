"""Per-region protections as the guest sees them (module text r-x, rodata r--, data rw-)."""
from __future__ import annotations

import pytest

from kemu.machine import GuestFault, Prot


def _store(m, asm, addr: int) -> int:
    return asm(f"mov dword ptr [{addr:#x}], 0x5a5a\nmov eax, 1\nret" if m.arch == "i386"
               else f"mov rax, {addr:#x}\nmov dword ptr [rax], 0x5a5a\nmov eax, 1\nret")


def _load(m, asm, addr: int) -> int:
    return asm(f"mov eax, [{addr:#x}]\nret" if m.arch == "i386" else f"mov rax, {addr:#x}\nmov eax, [rax]\nret")


def test_guest_reads_read_only_data(m, asm):
    ro = asm.data("version", (0x1234).to_bytes(4, "little"), prot=Prot.READ)
    assert m.call(_load(m, asm, ro)) == 0x1234


def test_guest_writes_read_write_data(m, asm):
    rw = asm.data("counter", bytes(4), prot=Prot.RW)
    assert m.call(_store(m, asm, rw)) == 1
    assert m.mem.read_u32(rw) == 0x5a5a


def test_making_data_read_only_takes_effect_for_code_that_already_wrote_it(m, asm):
    rw = asm.data("table", bytes(4), prot=Prot.RW)
    f = _store(m, asm, rw)
    assert m.call(f) == 1
    m.mem.protect(rw, 4, Prot.READ)
    with pytest.raises(GuestFault) as e:
        m.call(f)
    assert e.value.oops.kind == "write to read-only memory"
    m.mem.protect(rw, 4, Prot.RW)
    assert m.call(f) == 1


def test_unreadable_page_faults_on_read(m, asm):
    none = asm.data("hole", bytes(4), prot=Prot.NONE)
    with pytest.raises(GuestFault) as e:
        m.call(_load(m, asm, none))
    assert e.value.oops.kind == "read of unreadable memory"


def test_text_made_executable_after_loading_runs(m, asm):
    a = m.alloc("modules", 0x1000)          # rw- like a fresh module image
    m.mem.load_code(a, asm.encode("mov eax, 11\nret", a))
    with pytest.raises(GuestFault) as e:
        m.call(a)
    assert e.value.oops.kind == "execute non-executable memory"
    m.mem.protect(a, 0x1000, Prot.RX)
    assert m.call(a) == 11


def test_unmapped_module_code_faults_when_called_through_a_stale_pointer(m, asm):
    f = asm("mov eax, 3\nret")
    assert m.call(f) == 3
    m.free("modules", f)
    with pytest.raises(GuestFault) as e:
        m.call(f)
    assert e.value.oops.kind == "unmapped fetch"


def test_guest_access_through_a_stale_pointer_to_freed_memory_faults(m, asm):
    buf = m.alloc("user", 0x1000)
    m.mem.write_u32(buf, 0x77)
    f = asm("mov eax, [esp+4]\nmov eax, [eax]\nret" if m.arch == "i386" else "mov eax, [rdi]\nret")
    assert m.call(f, buf) == 0x77          # the guest has the page in its TLB now
    m.free("user", buf)
    with pytest.raises(GuestFault) as e:
        m.call(f, buf)
    assert e.value.oops.kind == "unmapped read"
    assert e.value.oops.fault_address == buf
