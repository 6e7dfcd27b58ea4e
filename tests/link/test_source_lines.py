"""kemu.link.source_lines: the line table of a linked module (the one reader the debugger
and oops reports share) and `source_locator(obj, image)`, lazy and never failing."""
from __future__ import annotations

from pathlib import Path

import pytest

import kemu.link.source_lines as source_lines
from kemu.elf import ObjectFile
from kemu.link import link, source_locator
from kemu.paths import fixture

ARCHES = ("i386", "x86_64")
COMPILERS = ("gcc", "clang")
BASES = {"i386": 0xDCA4F000, "x86_64": 0xFFFFFFFFA0000000}
STUBS = {"i386": 0xC0100000, "x86_64": 0xFFFFFFFF80100000}
FIBO_C = Path(__file__).resolve().parents[2] / "guest" / "netbsd-lkm" / "fibo" / "fibo.c"


def linked(arch: str, compiler: str, name: str, data: bytes | None = None):
    path = fixture("netbsd-lkm", arch, compiler, name)
    if not path.exists():
        pytest.skip(f"fixture {path} not built")
    obj = ObjectFile.parse(data, name) if data is not None else ObjectFile.load(str(path))
    image = link(obj, base=BASES[arch], resolve=lambda n: STUBS[arch])
    return obj, image


def line_of(text: str) -> int:
    """1-based number of the first line of fibo.c that starts with `text`."""
    for i, line in enumerate(FIBO_C.read_text().splitlines(), 1):
        if line.startswith(text):
            return i
    raise AssertionError(f"{text!r} not in fibo.c")


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("arch", ARCHES)
def test_a_functions_first_instruction_is_at_its_opening_brace(arch, compiler):
    obj, image = linked(arch, compiler, "fibo-g.o")
    locate = source_locator(obj, image)
    for fn in ("fibo_read", "fibo_open"):
        file, line = locate(image.symbols[fn])
        assert Path(file).name == "fibo.c"
        assert line == line_of(f"{fn}(") + 1          # the `{` below `fibo_read(...)`


@pytest.mark.parametrize("arch", ARCHES)
def test_addresses_outside_the_image_or_its_code_have_no_line(arch):
    obj, image = linked(arch, "gcc", "fibo-g.o")
    locate = source_locator(obj, image)
    assert locate(image.base - 1) is None
    assert locate(image.base + image.size) is None
    assert locate(0) is None


@pytest.mark.parametrize("arch", ARCHES)
def test_an_object_without_debug_information_has_no_lines(arch):
    obj, image = linked(arch, "gcc", "fibo.o")
    assert source_locator(obj, image)(image.symbols["fibo_read"]) is None


def test_nothing_is_read_until_an_address_inside_the_image_is_asked(monkeypatch):
    obj, image = linked("i386", "gcc", "fibo-g.o")
    reads = []
    real = source_lines.line_table
    monkeypatch.setattr(source_lines, "line_table", lambda o, i: reads.append(1) or real(o, i))
    locate = source_locator(obj, image)
    locate(0)
    assert reads == []
    locate(image.symbols["fibo_read"])
    locate(image.symbols["fibo_open"])
    assert reads == [1]                 # read once, then kept


@pytest.mark.parametrize("arch", ARCHES)
def test_damaged_line_information_gives_no_lines_never_an_exception(arch):
    obj, _ = linked(arch, "gcc", "fibo-g.o")
    sec = obj.section_by_name(".debug_line")
    data = bytearray(obj.data)
    data[sec.offset:sec.offset + sec.size] = b"\xff" * sec.size
    obj2, image = linked(arch, "gcc", "fibo-g.o", bytes(data))
    locate = source_locator(obj2, image)
    assert locate(image.symbols["fibo_read"]) is None
