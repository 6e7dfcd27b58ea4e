"""kmod's forced loads: modprobe --force-vermagic / --force-modversion / -f and insmod -f
edit the module as libkmod does (kemu/os/linux/kmod_force.py) and the kernel taints F;
both arches, with the real messages."""
from __future__ import annotations

import io

import pytest

import kemu
from kemu.os.linux.kmod_force import strip_for_force
from kemu.os.linux.procfs import proc_modules

from .conftest import ARCHES, ko

BAD_MAGIC = "hello: version magic '{magic}' should be '{want}'"


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] " in line]


def run(shell, line):
    out, err = io.StringIO(), io.StringIO()
    return shell.run_line(line, out=out, err=err), out.getvalue(), err.getvalue()


def hello_with(linux, *, magic: bool = False, crc: bool = False) -> bytes:
    """hello.ko with a vermagic of another configuration and/or a wrong CRC for _printk."""
    data = bytearray(ko(linux.arch, "hello").read_bytes())
    if magic:
        data = bytearray(bytes(data).replace(b" modversions ", b" modversionX "))
    if crc:
        good = linux.kernel.symbols.get("_printk").crc
        at = data.find(good.to_bytes(4, "little") + bytes(linux.machine.word_size - 4) + b"_printk\0")
        data[at] ^= 0xFF
    return bytes(data)


def module_dir(linux, tmp_path, data: bytes):
    (tmp_path / "hello.ko").write_bytes(data)
    shell = linux.shell(cwd=str(tmp_path))
    assert run(shell, "depmod")[0] == 0
    return shell


def test_wrong_vermagic_is_refused_without_force(linux, tmp_path):
    shell = module_dir(linux, tmp_path, hello_with(linux, magic=True))
    status, _, err = run(shell, "modprobe hello")
    assert (status, err) == (1, "modprobe: ERROR: could not insert 'hello': Exec format error\n")
    assert any(line.startswith("hello: version magic '") for line in messages(linux))


def test_force_vermagic_loads_it_and_taints_f(linux, tmp_path):
    shell = module_dir(linux, tmp_path, hello_with(linux, magic=True))
    assert run(shell, "modprobe --force-vermagic hello")[0] == 0
    lines = messages(linux)
    assert lines[:2] == ["hello: bad vermagic: kernel tainted.", "Disabling lock debugging due to kernel taint"]
    assert lines[-1] == "Hello, world"
    assert "F" in linux.taints
    assert proc_modules(linux).endswith(" (FOE)\n")
    assert run(shell, "cat /sys/module/hello/taint")[1] == "FOE\n"


def test_force_modversion_does_not_excuse_a_wrong_vermagic(linux, tmp_path):
    shell = module_dir(linux, tmp_path, hello_with(linux, magic=True))
    assert run(shell, "modprobe --force-modversion hello")[0] == 1
    # without symbol versions same_magic compares the whole string, release included
    assert any(line.startswith("hello: version magic '") for line in messages(linux))
    assert linux.find_module("hello") is None


def test_wrong_symbol_crc_is_refused_without_force(linux, tmp_path):
    shell = module_dir(linux, tmp_path, hello_with(linux, crc=True))
    status, _, err = run(shell, "modprobe hello")
    assert (status, err) == (1, "modprobe: ERROR: could not insert 'hello': Invalid argument\n")
    assert "hello: disagrees about version of symbol _printk" in messages(linux)
    assert "hello: Unknown symbol _printk (err -22)" in messages(linux)


def test_force_modversion_loads_it_and_taints_f_for_module_layout(linux, tmp_path):
    shell = module_dir(linux, tmp_path, hello_with(linux, crc=True))
    assert run(shell, "modprobe --force-modversion hello")[0] == 0
    lines = messages(linux)
    assert lines[0] == "hello: module_layout: kernel tainted."
    assert not any("disagrees" in line for line in lines)
    assert lines[-1] == "Hello, world" and "F" in linux.taints


def test_force_vermagic_does_not_excuse_a_wrong_crc(linux, tmp_path):
    shell = module_dir(linux, tmp_path, hello_with(linux, crc=True))
    assert run(shell, "modprobe --force-vermagic hello")[0] == 1
    assert "hello: disagrees about version of symbol _printk" in messages(linux)


@pytest.mark.parametrize("option", ["-f", "--force"])
def test_modprobe_f_forces_both(linux, tmp_path, option):
    shell = module_dir(linux, tmp_path, hello_with(linux, magic=True, crc=True))
    assert run(shell, f"modprobe {option} hello")[0] == 0
    lines = messages(linux)
    assert lines[0] == "hello: module_layout: kernel tainted."      # the first forced check says so
    assert lines.count("Disabling lock debugging due to kernel taint") == 1
    assert not any("bad vermagic" in line for line in lines)        # F is already set: no second line
    assert lines[-1] == "Hello, world"


def test_insmod_f_is_the_same_edit(linux, tmp_path):
    bad = tmp_path / "hello.ko"
    bad.write_bytes(hello_with(linux, magic=True, crc=True))
    shell = linux.shell(cwd=str(tmp_path))
    assert run(shell, "insmod -f hello.ko")[0] == 0
    assert messages(linux)[0] == "hello: module_layout: kernel tainted."
    assert proc_modules(linux).endswith(" (FOE)\n")


def test_a_forced_signed_module_counts_as_unsigned(linux, tmp_path):
    body = hello_with(linux, magic=True)
    sig = b"S" * 32
    info = bytes([0, 0, 2, 0, 0, 0, 0, 0]) + len(sig).to_bytes(4, "big")
    shell = module_dir(linux, tmp_path, body + sig + info + b"~Module signature appended~\n")
    assert run(shell, "modprobe --force-vermagic hello")[0] == 0
    assert any("module verification failed" in line for line in messages(linux))


@pytest.mark.parametrize("arch", ARCHES)
def test_the_edit_is_the_one_kmod_makes(arch):
    from elftools.elf.elffile import ELFFile
    data = ko(arch, "hello").read_bytes()
    edited = strip_for_force(data, vermagic=True, modversion=True)
    assert len(edited) == len(data)
    elf = ELFFile(io.BytesIO(edited))
    assert not elf.get_section_by_name("__versions")["sh_flags"] & 0x2       # SHF_ALLOC cleared
    modinfo = elf.get_section_by_name(".modinfo").data()
    assert b"vermagic=" not in modinfo and b"license=" in modinfo
    assert len(modinfo) == len(ELFFile(io.BytesIO(data)).get_section_by_name(".modinfo").data())
    assert strip_for_force(data, vermagic=False, modversion=False) == data


def test_modprobe_refuses_an_unknown_option(linux, tmp_path):
    shell = module_dir(linux, tmp_path, hello_with(linux))
    assert run(shell, "modprobe --force-everything hello") == (
        1, "", "modprobe: ERROR: unknown option '--force-everything'\n")
