"""A shared object that cannot be linked gets the same LinkErrors as a relocatable one, naming
the file once, the section (from the section headers, else the segment) and offset, the
relocation type and the symbol."""
from __future__ import annotations

import struct

import pytest

from kemu.elf import ObjectFile
from kemu.link import (BadRelocation, LinkError, RelocationOverflow, UnknownRelocation,
                       UnresolvedSymbols, link)
from kemu.paths import FIXTURES



def edited_entry(path, tag: str, entry: int, *, r_offset: int | None = None,
                 sym: int | None = None, rtype: int | None = None) -> bytes:
    """The object's bytes with one dynamic relocation entry changed (located by the reader)."""
    obj = ObjectFile.load(path)
    table = next(t for t in obj.dynamic_relocations if t.tag == tag)
    data = bytearray(obj.data)
    at = table.entry_offset(entry)
    word, width = ("<Q", 8) if obj.elfclass == 64 else ("<I", 4)
    old = table.entries[entry]
    if r_offset is not None:
        struct.pack_into(word, data, at, r_offset)
    s = int(old["sym"]) if sym is None else sym
    t = int(old["type"]) if rtype is None else rtype
    struct.pack_into(word, data, at + width, (s << 32 | t) if width == 8 else (s << 8 | t))
    return bytes(data)

I386 = FIXTURES / "dyn" / "i386_pic.so"
X86_64 = FIXTURES / "dyn" / "x86_64_pic.so"
KERNEL = {"kernel_add": 0xC0100000, "kernel_ticks": 0xC0500000}


def dynsym_index(obj: ObjectFile, name: str) -> int:
    return next(i for i in range(len(obj.dynsym)) if obj.dynsym_name(i) == name)


def test_unresolved_dynamic_symbols_list_every_place_that_uses_them():
    obj = ObjectFile.load(I386)
    with pytest.raises(UnresolvedSymbols) as info:
        link(obj, 0xC1000000, {"kernel_add": 0xC0100000}.get)
    assert list(info.value.references) == ["kernel_ticks"]
    places = info.value.references["kernel_ticks"]
    assert {sec for sec, _ in places} <= {".got", ".data.rel.ro", ".data"} and len(places) == 2
    assert str(info.value).count(str(I386)) == 1


def test_a_copy_relocation_is_refused_by_name():
    obj = ObjectFile.parse(edited_entry(I386, "DT_JMPREL", 0, rtype=5), "copy.so")
    with pytest.raises(UnknownRelocation, match=r"copy.so: \.got\.plt\+0x\w+: relocation "
                                                r"R_386_COPY against 'kernel_add': type 5 is not "
                                                r"supported"):
        link(obj, 0xC1000000, KERNEL.get)


def test_a_field_running_past_its_segment_is_refused():
    end = ObjectFile.load(I386).loads[-1].end
    obj = ObjectFile.parse(edited_entry(I386, "DT_REL", 0, r_offset=end - 2), "past.so")
    with pytest.raises(BadRelocation, match="R_386_RELATIVE .* 4-byte field runs past the end of "
                                            "its PT_LOAD segment"):
        link(obj, 0xC1000000, KERNEL.get)


def test_an_absolute_32_bit_field_that_cannot_hold_the_address_overflows():
    table = dynsym_index(ObjectFile.load(X86_64), "table")
    obj = ObjectFile.parse(edited_entry(X86_64, "DT_RELA", 0, sym=table, rtype=10),  # R_X86_64_32
                           "far.so")
    ext = {"kernel_add": 0xFFFFFFFF81000000, "kernel_ticks": 0xFFFFFFFF81001000}
    with pytest.raises(RelocationOverflow, match="R_X86_64_32 against 'table': value 0xffffffff"):
        link(obj, 0xFFFFFFFFA0000000, ext.get)
    assert link(obj, 0x10000000, ext.get).size     # fits when the module sits low


def test_a_resolver_answer_outside_the_address_space_is_a_link_error():
    obj = ObjectFile.load(I386)
    with pytest.raises(LinkError, match="the resolver returned 4294967296 for symbol"):
        link(obj, 0xC1000000, lambda name: 1 << 32)


@pytest.mark.parametrize("path", [I386, X86_64])
def test_weak_and_strong_rules_match_et_rel_for_imports(path):
    obj = ObjectFile.load(path)
    image = link(obj, 0x20000000, KERNEL.get)
    assert image.imports == KERNEL and image.weak_unresolved == []
    assert image.got_addr is None
