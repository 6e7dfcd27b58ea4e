"""Every committed fixture object reads the same through kemu.elf as through pyelftools.

The fixture list is a glob over fixtures/, so objects other suites commit (NetBSD LKMs,
relocation fixtures) are checked here too as they arrive.
"""
from __future__ import annotations

import io

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.enums import ENUM_SH_TYPE_AMD64, ENUM_SH_TYPE_BASE
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

from kemu.elf import ObjectFile
from kemu.paths import FIXTURES

from .conftest import all_fixture_objects

OBJECTS = all_fixture_objects()
ids = [str(p.relative_to(FIXTURES)) for p in OBJECTS]


@pytest.fixture(params=OBJECTS, ids=ids)
def pair(request):
    data = request.param.read_bytes()
    return ObjectFile.parse(data, str(request.param)), ELFFile(io.BytesIO(data))


def sh_type_number(value) -> int:
    """pyelftools names known section types; turn the name back into its number."""
    if isinstance(value, int):
        return value
    return {**ENUM_SH_TYPE_BASE, **ENUM_SH_TYPE_AMD64}[value]


def test_there_are_fixture_objects_to_compare():
    assert len(OBJECTS) >= 6


def test_section_headers_agree(pair):
    ours, theirs = pair
    assert len(ours.sections) == theirs.num_sections()
    for sec, ref in zip(ours.sections, theirs.iter_sections()):
        h = ref.header
        assert (sec.name, sec.type, sec.flags, sec.offset, sec.size, sec.link, sec.info,
                sec.addralign, sec.entsize) == (
            ref.name, sh_type_number(h["sh_type"]),
            h["sh_flags"], h["sh_offset"], h["sh_size"], h["sh_link"], h["sh_info"],
            h["sh_addralign"], h["sh_entsize"])


def test_section_bytes_agree(pair):
    ours, theirs = pair
    for sec, ref in zip(ours.sections, theirs.iter_sections()):
        if not sec.nobits and sec.index:
            assert ours.section_data(sec) == ref.data()


def test_symbols_agree(pair):
    ours, theirs = pair
    (symtab,) = [s for s in theirs.iter_sections() if isinstance(s, SymbolTableSection)
                 and s["sh_type"] == "SHT_SYMTAB"]
    ref = list(symtab.iter_symbols())
    assert len(ours.symbols) == len(ref)
    special = {"SHN_UNDEF": 0, "SHN_ABS": 0xFFF1, "SHN_COMMON": 0xFFF2}
    for sym, r in zip(ours.symbols, ref):
        shndx = r["st_shndx"]
        assert (sym.name, sym.value, sym.size, sym.shndx) == (
            r.name, r["st_value"], r["st_size"], special.get(shndx, shndx))


def test_relocations_agree(pair):
    ours, theirs = pair
    ref_tables = [s for s in theirs.iter_sections() if isinstance(s, RelocationSection)]
    assert [t.section.name for t in ours.relocations] == [t.name for t in ref_tables]
    for table, ref in zip(ours.relocations, ref_tables):
        assert table.target.index == ref["sh_info"]
        got = list(zip(table.entries["offset"].tolist(), table.entries["type"].tolist(),
                       table.entries["sym"].tolist(), table.entries["addend"].tolist()))
        want = [(r["r_offset"], r["r_info_type"], r["r_info_sym"],
                 r["r_addend"] if ref.is_RELA() else 0) for r in ref.iter_relocations()]
        assert got == want
