"""`kemu link`: writes an ET_EXEC that objdump, readelf and pyelftools read at the right
addresses, prints a map, and reports errors as one line of text with a non-zero exit."""
from __future__ import annotations

import subprocess
import sys

import pytest
from elftools.elf.elffile import ELFFile

from kemu.cli.main import main

from .conftest import require
from .manifest import ROOT, fixtures


def by_id(name: str):
    return next(f for f in fixtures() if f.id == name)


def cli_args(fixture, *extra: str) -> list[str]:
    syms = [a for n, v in fixture.externals().items() for a in ("--sym", f"{n}={v:#x}")]
    return ["link", str(fixture.path), "--arch", fixture.arch, "--base", hex(fixture.base),
            *syms, *extra]


@pytest.fixture
def linked_pcrel(tmp_path):
    fixture = by_id("x86_64/pcrel")
    out = tmp_path / "pcrel.elf"
    assert main(cli_args(fixture, "-o", str(out))) == 0
    return fixture, out


def test_output_is_an_executable_with_each_section_at_its_address(linked_pcrel):
    fixture, out = linked_pcrel
    _, image = fixture.link()
    with open(out, "rb") as f:
        elf = ELFFile(f)
        assert elf["e_type"] == "ET_EXEC" and elf["e_machine"] == "EM_X86_64"
        sections = {s.name: s for s in elf.iter_sections()}
        for p in image.placements:
            assert sections[p.name]["sh_addr"] == p.addr
            if p.type != 8:
                assert sections[p.name].data() == image.read(p.addr, p.size)
        loads = [seg for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD"]
        assert [(s["p_vaddr"], s["p_flags"]) for s in loads] == \
            [(seg.addr, {"r-x": 5, "r--": 4, "rw-": 6}[seg.prot]) for seg in image.segments]
        symbols = {s.name: s["st_value"] for s in elf.get_section_by_name(".symtab").iter_symbols()}
    assert symbols["pc_entry"] == image.base
    assert symbols["pc_helper"] == image.entry("pc_helper")
    assert symbols["ext_func"] == 0xFFFFFFFF81000000


@pytest.mark.needs_tool
def test_objdump_disassembles_at_the_final_addresses_and_names_call_targets(linked_pcrel):
    require("objdump")
    _, out = linked_pcrel
    text = subprocess.run(["objdump", "-d", str(out)], capture_output=True, text=True,
                          check=True).stdout
    assert "ffffffff80000000 <pc_entry>:" in text
    assert "call   ffffffff81000000 <ext_func>" in text
    assert "<pc_helper>" in text


@pytest.mark.needs_tool
def test_readelf_lists_the_symbols_at_their_addresses(linked_pcrel):
    require("readelf")
    _, out = linked_pcrel
    text = subprocess.run(["readelf", "-sW", str(out)], capture_output=True, text=True,
                          check=True).stdout
    assert any(line.split()[1:2] == ["ffffffff80000000"] and line.endswith(" pc_entry")
               for line in text.splitlines())


@pytest.mark.needs_tool
def test_i386_output_disassembles_too(tmp_path):
    require("objdump")
    fixture = by_id("i386/pcrel")
    out = tmp_path / "i386.elf"
    assert main(cli_args(fixture, "-o", str(out))) == 0
    text = subprocess.run(["objdump", "-d", str(out)], capture_output=True, text=True,
                          check=True).stdout
    assert "file format elf32-i386" in text
    assert f"{fixture.base:08x} <pc_entry>:" in text
    assert "call   c0100000 <ext_func>" in text


def test_map_lists_every_section_symbol_and_import(capsys):
    fixture = by_id("x86_64/common")
    assert main(cli_args(fixture, "--map")) == 0
    out = capsys.readouterr().out
    _, image = fixture.link()
    for p in image.placements:
        assert f"0x{p.addr:016x}" in out and p.name in out
    for s in image.symbol_list:
        assert s.name in out
    assert "(linker) COMMON" in out and "Segments:" in out


def test_unresolved_symbols_exit_1_with_the_message_and_no_traceback(tmp_path, capsys):
    fixture = by_id("x86_64/unresolved")
    assert main(cli_args(fixture, "-o", str(tmp_path / "x"))) == 1
    err = capsys.readouterr().err
    assert err.startswith("kemu link: error: ") and "'missing_fn' referenced from .text+0x1" in err
    assert not (tmp_path / "x").exists()


def test_overflow_exits_1_naming_the_relocation(capsys):
    fixture = by_id("x86_64/overflow_32s")
    assert main(cli_args(fixture, "--map")) == 1
    assert "R_X86_64_32S" in capsys.readouterr().err


def test_a_file_that_is_not_elf_exits_1(tmp_path, capsys):
    junk = tmp_path / "junk.o"
    junk.write_text("not an object\n")
    assert main(["link", str(junk), "--base", "0x1000", "--map"]) == 1
    assert "junk.o" in capsys.readouterr().err


def test_a_missing_file_exits_1(tmp_path, capsys):
    assert main(["link", str(tmp_path / "nope.o"), "--base", "0x1000", "--map"]) == 1
    assert "nope.o" in capsys.readouterr().err


def test_an_arch_mismatch_exits_1(capsys):
    fixture = by_id("i386/absolute")
    assert main(["link", str(fixture.path), "--arch", "x86_64", "--base", "0x1000", "--map"]) == 1
    assert "is i386 (ELF32), not x86_64" in capsys.readouterr().err


def test_a_malformed_sym_argument_exits_2(capsys):
    fixture = by_id("i386/absolute")
    with pytest.raises(SystemExit) as info:
        main(["link", str(fixture.path), "--base", "0x1000", "--sym", "printf", "--map"])
    assert info.value.code == 2
    assert "expected NAME=ADDR" in capsys.readouterr().err


def test_nothing_to_do_exits_2(capsys):
    fixture = by_id("i386/absolute")
    assert main(["link", str(fixture.path), "--base", "0x1000"]) == 2


def test_errors_from_the_installed_command_have_no_traceback():
    fixture = by_id("i386/unresolved")
    proc = subprocess.run([sys.executable, "-m", "kemu", *cli_args(fixture, "--map")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "missing_data" in proc.stderr


@pytest.mark.needs_tool
def test_gdb_reads_source_lines_and_symbols_from_the_output(tmp_path):
    require("gdb")
    fixture = by_id("c/gcc/x86_64-kernel-O0/chardev")
    out = tmp_path / "chardev.elf"
    assert main(cli_args(fixture, "-o", str(out))) == 0
    _, image = fixture.link()
    proc = subprocess.run(["gdb", "-batch", "-nx", "-ex", "info line cdev_open",
                           "-ex", "info address cdev_ops", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert f"starts at address {image.entry('cdev_open'):#x} <cdev_open>" in proc.stdout
    assert f"at address {image.entry('cdev_ops'):#x}" in proc.stdout
    assert 'of "guest/linkc/chardev.c"' in proc.stdout
