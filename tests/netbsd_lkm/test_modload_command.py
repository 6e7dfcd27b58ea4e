"""modload(8)'s options, messages and exit statuses, as NetBSD 1.6's sbin/modload prints them."""
from __future__ import annotations

import os
import shutil

from .conftest import run

USAGE = "usage: modload [-dnsvS] [-A system] [-e entry]\n\t[-p postinstall] [-o outputfile] <input file>\n"


def test_no_operand_prints_usage_and_exits_1(bare_system):
    result = run(bare_system, "modload")
    assert (result.status, result.out, result.err) == (1, "", USAGE)


def test_unknown_option_is_reported_by_getopt_then_usage(bare_system):
    result = run(bare_system, "modload", "-q", "fibo.o")
    assert (result.status, result.err) == (1, "modload: unknown option -- q\n" + USAGE)


def test_option_missing_its_argument(bare_system):
    result = run(bare_system, "modload", "fibo.o", "-e")
    assert result.status == 1          # "-e" is an operand after fibo.o: two operands → usage
    result = run(bare_system, "modload", "-e")
    assert result.err == "modload: option requires an argument -- e\n" + USAGE


def test_object_name_must_end_in_dot_o(bare_system):
    result = run(bare_system, "modload", "fibo.ko")
    assert (result.status, result.err) == (2, "modload: module object must end in .o\n")


def test_missing_object_file_is_reported_by_nlist(bare_system, tmp_path):
    result = run(bare_system, "modload", "nosuch.o", cwd=str(tmp_path))
    assert (result.status, result.err) == (1, "modload: nlist nosuch.o: No such file or directory\n")


def test_a_file_that_is_not_elf_is_an_inappropriate_file_type(bare_system, tmp_path):
    (tmp_path / "junk.o").write_bytes(b"this is not an object file\n")
    result = run(bare_system, "modload", "junk.o", cwd=str(tmp_path))
    assert result.status == 1
    first, second = result.err.splitlines()[:2]
    assert first == "modload: nlist junk.o: Inappropriate file type or format"
    assert second.startswith("modload: ") and "junk.o" in second


def test_default_entry_falls_back_to_basename_lkmentry(system, modules, tmp_path):
    shutil.copy(modules.fibo, tmp_path / "fibo.o")
    result = run(system, "modload", "fibo.o", cwd=str(tmp_path))
    assert (result.status, result.out) == (0, "Module loaded as ID 0\n")


def test_default_entry_missing_names_the_lkmentry_it_tried(system, modules, tmp_path):
    shutil.copy(modules.fibo, tmp_path / "other.o")
    result = run(system, "modload", "other.o", cwd=str(tmp_path))
    assert (result.status, result.err) == (1, "modload: entry point _other_lkmentry not found in other.o\n")


def test_explicit_entry_missing(system, modules, tmp_path):
    shutil.copy(modules.fibo, tmp_path / "fibo.o")
    result = run(system, "modload", "-e", "nosuch", "fibo.o", cwd=str(tmp_path))
    assert (result.status, result.err) == (1, "modload: entry point _nosuch not found in fibo.o\n")


def test_verbose_reports_the_reservation(system, modules):
    result = run(system, "modload", "-v", modules.fibo)
    size = system.lkm.slots[0].size
    assert result.err == f"modload: reserving {size} bytes of memory\n"


def test_debug_prints_the_link_commands_sections_and_entry(system, modules, tmp_path):
    shutil.copy(modules.fibo, tmp_path / "fibo.o")
    result = run(system, "modload", "-d", "fibo.o", cwd=str(tmp_path))
    lines = result.err.splitlines()
    area = system.lkm.slots[0].area
    assert lines[0] == "ld -R /netbsd -e fibo_lkmentry -o fibo -Ttext 0x0 fibo.o"
    assert lines[1] == f"ld -R /netbsd -e fibo_lkmentry -o fibo -Ttext {area:#x} fibo.o"
    assert any(line.startswith(f"loading `.text': addr = {area:#x}, size = 0x") for line in lines)
    entry = system.lkm.slots[0].entry
    assert lines[-1] == f"modentry = {entry:#x}"


def test_n_links_and_copies_but_does_not_initialise(system, modules):
    console = []
    system.console = console.append
    result = run(system, "modload", "-n", modules.fibo)
    assert (result.status, result.out, result.err) == (0, "", "")
    assert system.modstat() == [] and console == []
    assert system.lkm.slots == [None] * 20


def test_S_keeps_the_linked_module_as_an_executable(system, modules, tmp_path):
    shutil.copy(modules.fibo, tmp_path / "fibo.o")
    result = run(system, "modload", "-S", "-o", "fibo.linked", "fibo.o", cwd=str(tmp_path))
    assert result.status == 0
    data = (tmp_path / "fibo.linked").read_bytes()
    assert data[:4] == b"\x7fELF" and int.from_bytes(data[16:18], "little") == 2   # ET_EXEC


def test_without_S_nothing_is_written(system, modules, tmp_path):
    shutil.copy(modules.fibo, tmp_path / "fibo.o")
    run(system, "modload", "fibo.o", cwd=str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["fibo.o"]


def test_another_kernel_than_netbsd_cannot_be_linked_against(system, modules):
    result = run(system, "modload", "-A", "/netbsd.old", modules.fibo)
    assert result.status == 1
    assert result.err.splitlines()[-1] == f"modload: can't prelink `{modules.fibo}' creating `{modules.fibo[:-2]}'"


def test_object_for_the_other_arch_is_refused_as_ld_would(system, modules):
    other = modules.fibo.replace(f"/{modules.arch}/", "/x86_64/" if modules.arch == "i386" else "/i386/")
    result = run(system, "modload", other)
    assert result.status == 1
    assert "architecture of input file" in result.err
    assert result.err.endswith(f"modload: can't prelink `{other}' creating `{other[:-2]}'\n")


def test_modload_api_raises_with_the_messages_and_exit_status(bare_system, tmp_path):
    import pytest
    from kemu.os.netbsd_lkm.system import ModuleLoadError
    with pytest.raises(ModuleLoadError) as info:
        bare_system.modload(str(tmp_path / "nosuch.o"))
    assert info.value.status == 1 and info.value.name == "ENOENT"
    assert "No such file or directory" in str(info.value)


def test_modload_refuses_a_shared_object_as_netbsds_modload_does(system, tmp_path):
    from pathlib import Path
    shared = sorted(Path(__file__).resolve().parents[2].glob(f"fixtures/dyn/*{system.arch}*.so"))
    if not shared:
        pytest.skip("no shared-object fixture for this arch")
    target = tmp_path / "shared.o"
    target.write_bytes(shared[0].read_bytes())
    result = run(system, "modload", str(target))
    assert result.status == 1
    assert "a shared object (ET_DYN); an LKM is a relocatable object" in result.err
    assert system.modstat() == []


def test_modload_of_a_fifo_or_dev_zero_is_an_error_not_a_hang(system, tmp_path):
    fifo, zero = tmp_path / "pipe.o", tmp_path / "zero.o"
    os.mkfifo(fifo)
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        result = run(system, "modload", str(path))
        assert result.status == 1
        assert "not a regular file" in result.err or "FIFO" in result.err or "device" in result.err
    assert system.modstat() == []
