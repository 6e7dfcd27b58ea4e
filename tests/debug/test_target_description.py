"""target.xml: GDB's register numbering for i386 and x86-64, accepted by real gdb."""
import shutil
import subprocess
import xml.dom.minidom

import pytest

from kemu.debug.target_xml import register_layout, target_xml


@pytest.mark.parametrize("arch,pc,pc_index,total", [("i386", "eip", 8, 41), ("x86_64", "rip", 16, 57)])
def test_layout_follows_gdb_numbering(arch, pc, pc_index, total):
    layout = register_layout(arch)
    assert layout[pc_index].name == pc
    assert layout[pc_index + 1].name == "eflags"
    assert len(layout) == total


def test_i386_general_registers_in_gdb_order():
    names = [r.name for r in register_layout("i386")[:8]]
    assert names == ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]


def test_x86_64_general_registers_in_gdb_order():
    names = [r.name for r in register_layout("x86_64")[:8]]
    assert names == ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"]


@pytest.mark.parametrize("arch,name", [("i386", "i386"), ("x86_64", "i386:x86-64")])
def test_description_is_xml_naming_the_architecture(arch, name):
    doc = xml.dom.minidom.parseString(target_xml(arch))
    assert doc.getElementsByTagName("architecture")[0].firstChild.data == name
    features = [f.getAttribute("name") for f in doc.getElementsByTagName("feature")]
    assert features == ["org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse"]


def test_unknown_arch_is_a_clear_error():
    with pytest.raises(ValueError, match="arm"):
        register_layout("arm")


@pytest.mark.needs_tool
@pytest.mark.skipif(shutil.which("gdb") is None, reason="gdb not installed")
@pytest.mark.parametrize("arch,reg,offset", [("i386", "eflags", 36), ("x86_64", "eflags", 136)])
def test_real_gdb_reads_the_description_with_our_offsets(tmp_path, arch, reg, offset):
    path = tmp_path / "target.xml"
    path.write_text(target_xml(arch))
    out = subprocess.run(["gdb", "-batch", "-nx", "-ex", f"set tdesc filename {path}",
                          "-ex", "maint print registers"], capture_output=True, text=True, timeout=60).stdout
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == [reg])
    assert int(row[3]) == offset
