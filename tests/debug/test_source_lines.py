"""DWARF line tables relocated to the linker's addresses: address ↔ fibo.c:LINE and back."""
import re

import pytest

from kemu.debug.frames import UnwindTables
from kemu.debug.source import SourceMap
from kemu.debug.symbols import module_info_from_image
from kemu.paths import GUEST, ROOT

from debug_helpers import ARCHES, COMPILERS, fibo_path, link_fixture

FIBO_C = (GUEST / "netbsd-lkm" / "fibo" / "fibo.c").read_text().splitlines()


def line_of(pattern: str) -> int:
    return next(i + 1 for i, text in enumerate(FIBO_C) if re.search(pattern, text))


def source_map(arch, compiler):
    obj, image, _ = link_fixture(fibo_path(arch, compiler, debug=True), arch)
    info = module_info_from_image("fibo", image, obj, None, UnwindTables(), [ROOT])
    assert info.source is not None
    return image, info.source


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("arch", ARCHES)
def test_functions_sit_at_the_linked_symbol_addresses(arch, compiler):
    image, sm = source_map(arch, compiler)
    for name in ("fibo_read", "fibo_handle", "fibo_open"):
        func = sm.function_named(name)
        assert func is not None and func.low == image.symbols[name]
        assert sm.location(func.low).basename == "fibo.c"


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("arch", ARCHES)
def test_break_on_function_lands_after_the_prologue_on_its_first_line(arch, compiler):
    image, sm = source_map(arch, compiler)
    func = sm.function_named("fibo_read")
    addr = sm.after_prologue(func)
    assert func.low < addr < func.high
    first_body_line = next(n for n in range(func.line + 1, len(FIBO_C) + 1)
                           if "fibosc = (fibo_scs + minor(dev))" in FIBO_C[n - 1])
    assert sm.location(addr).line == first_body_line


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("arch", ARCHES)
def test_file_line_maps_to_addresses_inside_the_right_function(arch, compiler):
    image, sm = source_map(arch, compiler)
    uiomove_line = line_of(r"error = uiomove\(")
    used, addrs = sm.addresses_for_line(sm.match_file("fibo.c")[0], uiomove_line)
    assert used == uiomove_line and addrs
    read = sm.function_named("fibo_read")
    assert all(read.low <= a < read.high for a in addrs)
    assert all(sm.location(a).line == uiomove_line for a in addrs)


@pytest.mark.parametrize("arch", ARCHES)
def test_line_without_code_moves_to_the_next_line_with_code(arch):
    image, sm = source_map(arch, "gcc")
    comment = line_of(r"/\* copy to user space \*/")
    used, addrs = sm.addresses_for_line(sm.match_file("fibo.c")[0], comment)
    assert used > comment and addrs


def test_source_text_is_found_from_the_recorded_relative_path():
    _, sm = source_map("i386", "gcc")
    text = sm.source_text(sm.match_file("fibo.c")[0])
    assert text is not None and text == FIBO_C


def test_object_without_dwarf_has_no_source_map():
    obj, image, _ = link_fixture(fibo_path("i386", "gcc"), "i386")
    info = module_info_from_image("fibo", image, obj, None, UnwindTables(), [ROOT])
    assert info.source is None
    assert SourceMap.from_object(obj, image) is None
