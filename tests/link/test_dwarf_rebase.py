"""A shared object's (ET_DYN: FreeBSD's i386 klds) debug information read at its load address:
every address field moved by the load bias, so lines, functions, variables and call frames
name the loaded code and data (kemu/link/dwarf_rebase.py)."""
from __future__ import annotations

import pytest

from kemu.elf import ObjectFile
from kemu.link import link
from kemu.link.dwarf_image import load_dwarf
from kemu.paths import fixture

BASE = 0xDCA4F000


def _linked(compiler: str):
    path = fixture("freebsd", "i386", compiler, "fibo-g.ko")
    if not path.exists():
        pytest.skip(f"{path} not built")
    obj = ObjectFile.load(str(path))
    assert obj.shared
    return obj, link(obj, base=BASE, resolve=lambda name: 0xC0100000)


def _die(dwarf, name: str):
    for cu in dwarf.iter_CUs():
        for die in cu.iter_DIEs():
            attr = die.attributes.get("DW_AT_name")
            if attr is not None and attr.value == name.encode():
                return die
    raise AssertionError(f"no DIE named {name}")


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_functions_and_lines_are_at_the_loaded_addresses(compiler):
    obj, image = _linked(compiler)
    dwarf = load_dwarf(obj, image)
    read = _die(dwarf, "fibo_read")
    assert read.attributes["DW_AT_low_pc"].value == image.symbols["fibo_read"]
    rows = [e.state.address for cu in dwarf.iter_CUs()
            for e in dwarf.line_program_for_CU(cu).get_entries() if e.state is not None]
    assert rows and all(BASE <= a < BASE + image.size for a in rows)


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_a_static_variables_location_is_its_loaded_address(compiler):
    obj, image = _linked(compiler)
    location = _die(load_dwarf(obj, image), "fibo_scs").attributes["DW_AT_location"].value
    assert location[0] == 0x03                                    # DW_OP_addr
    assert int.from_bytes(bytes(location[1:5]), "little") == image.symbols["fibo_scs"]


def test_call_frame_entries_start_at_the_loaded_functions():
    obj, image = _linked("clang")                                 # clang: .debug_frame
    starts = {fde.header["initial_location"] for fde in load_dwarf(obj, image).CFI_entries()
              if "initial_location" in fde.header}
    assert image.symbols["fibo_read"] in starts
