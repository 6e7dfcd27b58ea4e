"""What a hostile object or caller can throw at the linker and `kemu link` (issue 8): each gets
a LinkError, BadObject or exit status with a message, never a traceback, hang or huge image."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading

import pytest

from kemu.cli.main import main
from kemu.elf import BadObject, ObjectFile
from kemu.link import LinkError, MissingSymbol, link, write_executable

from .manifest import ROOT, fixtures

ARCH_FIXTURES = {"i386": "i386/absolute", "x86_64": "x86_64/absolute"}


def by_id(name: str):
    return next(f for f in fixtures() if f.id == name)


def shdr_field(obj: ObjectFile, index: int, field: str) -> tuple[int, str]:
    """(file offset, struct code) of one section header field."""
    is64 = obj.elfclass == 64
    shoff = struct.unpack_from("<Q" if is64 else "<I", obj.data, 0x28 if is64 else 0x20)[0]
    layout = ({"type": (4, "I"), "addralign": (48, "Q")} if is64
              else {"type": (4, "I"), "addralign": (32, "I")})
    at, code = layout[field]
    return shoff + index * (64 if is64 else 40) + at, code


def edited(obj: ObjectFile, index: int, field: str, value: int) -> bytes:
    data = bytearray(obj.data)
    at, code = shdr_field(obj, index, field)
    struct.pack_into("<" + code, data, at, value)
    return bytes(data)


@pytest.fixture(params=sorted(ARCH_FIXTURES))
def fixture(request):
    return by_id(ARCH_FIXTURES[request.param])


@pytest.mark.parametrize("align", [0x1000, 0x800, 0x10])
def test_the_image_has_the_same_size_and_shape_at_every_page_aligned_base(fixture, align):
    obj = fixture.load()
    data = obj.section_by_name(".data") or obj.section_by_name(".text")
    obj = ObjectFile.parse(edited(obj, data.index, "addralign", align), "aligned.o")
    ext = fixture.externals(obj)
    low = 0xFFFFFFFF80000000 if obj.arch == "x86_64" else 0xC0000000
    for page in (0x1000, 0x100):
        images = [link(obj, base, ext.get, page_size=page)
                  for base in (0, page, 3 * page, low + 5 * 0x1000)]
        shapes = {(img.size, tuple(p.addr - img.base for p in img.placements),
                   tuple((s.addr - img.base, s.size) for s in img.segments)) for img in images}
        assert len(shapes) == 1


def test_a_page_size_smaller_than_an_alignment_keeps_the_size_base_independent(fixture):
    obj = fixture.load()
    data = obj.section_by_name(".data") or obj.section_by_name(".text")
    obj = ObjectFile.parse(edited(obj, data.index, "addralign", 0x1000), "aligned.o")
    ext = fixture.externals(obj)
    sizes = {link(obj, base, ext.get, page_size=0x10).size for base in (0, 0x10, 0x30, 0x1230)}
    assert len(sizes) == 1


def test_a_retyped_bss_is_left_out_and_the_executable_is_written(tmp_path):
    fixture = by_id("x86_64/common")
    obj = fixture.load()
    bss = obj.section_by_name(".bss")
    obj = ObjectFile.parse(edited(obj, bss.index, "type", 0), "nullbss.o")
    try:
        image = link(obj, fixture.base, fixture.externals(obj).get)
    except LinkError as exc:      # a relocation into the now-inactive section is refused
        assert "nullbss.o: " in str(exc)
        return
    assert ".bss" not in image.section_addresses
    write_executable(image, obj, tmp_path / "out.elf")
    assert (tmp_path / "out.elf").read_bytes()[:4] == b"\x7fELF"


@pytest.mark.parametrize("page_size", [0, 3, 0x3000, 1 << 64, (1 << 64) - 0x1000, 4 << 20])
def test_the_linker_refuses_a_page_size_outside_its_bounds(page_size):
    fixture = by_id("i386/absolute")
    with pytest.raises(LinkError, match="page size .* is not a power of two between 1 and 0x200000"):
        link(fixture.load(), 0, fixture.externals().get, page_size=page_size)


@pytest.mark.parametrize("base", [-0x1000, 1 << 64, (1 << 64) - 0x1000, 1 << 32])
def test_the_linker_refuses_a_base_outside_the_address_space(base):
    fixture = by_id("i386/absolute")
    with pytest.raises(LinkError, match=r"base address .* (is outside the 32-bit|does not fit)"):
        link(fixture.load(), base, fixture.externals().get)


def test_a_link_error_names_the_file_once():
    fixture = by_id("x86_64/overflow_32s")
    obj = fixture.load()
    with pytest.raises(LinkError) as info:
        link(obj, fixture.base, fixture.externals().get)
    text = str(info.value)
    assert text.count(obj.name) == 1 and text.startswith(f"{obj.name}: ")
    assert f"{obj.name}: {info.value.message}" == text
    again = LinkError(obj.name, text)      # wrapping the text again still names it once
    assert str(again) == text


def test_control_bytes_in_a_symbol_name_are_escaped_in_link_errors():
    err = LinkError("m.o", "undefined symbol: 'a\x08b\x1b[1m'")
    assert str(err) == "m.o: undefined symbol: 'a\\x08b\\x1b[1m'" and err.message.endswith("\x1b[1m'")


@pytest.mark.parametrize("kind", [3, 4])
def test_an_entry_that_names_a_section_or_file_symbol_is_a_missing_symbol(fixture, kind):
    obj = fixture.load()
    image = link(obj, fixture.base, fixture.externals(obj).get)
    # the object's first local STT_SECTION / STT_FILE symbol, looked up by a name it cannot have
    marker = next((s for s in obj.symbols if s.type == kind and s.name), None)
    name = marker.name if marker is not None else ".text"
    with pytest.raises(MissingSymbol) as info:
        image.entry(name)
    assert isinstance(info.value, KeyError) and isinstance(info.value, LinkError)
    assert f"no definition of '{name}'" in str(info.value)


def test_an_entry_that_is_only_referenced_says_so():
    fixture = by_id("x86_64/pcrel")
    obj = fixture.load()
    image = link(obj, fixture.base, fixture.externals(obj).get)
    with pytest.raises(MissingSymbol, match="only symbols of that name are an undefined reference"):
        image.entry("ext_func")


# -- kemu link on things that are not object files ---------------------------------------

def run_link(path: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kemu", "link", path, "--base", "0x1000",
                           "--map", *extra], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("path, what", [("/dev/zero", "a character device"),
                                        ("/dev/null", "a character device"),
                                        ("/", "a directory")])
def test_kemu_link_refuses_a_special_file_at_once(path, what):
    proc = run_link(path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"kemu link: error: {path}: cannot read an object from {what}" in proc.stderr


def test_kemu_link_refuses_a_fifo_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.o"
    os.mkfifo(fifo)
    proc = run_link(str(fifo))
    assert proc.returncode == 1 and "a named pipe (FIFO)" in proc.stderr


def test_read_object_file_refuses_a_file_over_the_size_bound(tmp_path):
    from kemu.elf import read_object_file
    big = tmp_path / "big.o"
    big.write_bytes(b"\x7fELF" + bytes(60))
    with pytest.raises(BadObject, match=r"big.o: file of 0x40 bytes is larger than any kernel module"):
        read_object_file(big, limit=0x20)


@pytest.mark.parametrize("option, value, message", [
    ("--page-size", str(1 << 64), "is not a power of two between 1 and 0x200000"),
    ("--page-size", "0x3000", "is not a power of two"),
    ("--page-size", "0", "is not a power of two"),
    ("--base", str((1 << 64) + 0x1000), "does not fit in 64 bits"),
    ("--sym", f"printf={1 << 70:#x}", "does not fit in 64 bits")])
def test_kemu_link_bounds_every_number_on_its_command_line(capsys, option, value, message):
    fixture = by_id("i386/absolute")
    with pytest.raises(SystemExit) as info:
        main(["link", str(fixture.path), "--base", "0x1000", option, value, "--map"])
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_kemu_link_refuses_a_base_near_two_to_the_64_for_the_arch(capsys):
    fixture = by_id("i386/absolute")
    assert main(["link", str(fixture.path), "--base", hex((1 << 64) - 0x1000), "--map"]) == 1
    assert "outside the 32-bit address space" in capsys.readouterr().err
