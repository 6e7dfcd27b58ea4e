"""Every relocation fixture, linked by kemu and by GNU ld at the same addresses, must agree.

Each allocated section is compared byte for byte (and every DWARF section kemu relocates on
demand). For the GOT family, where ld builds its own GOT and may rewrite instructions, the
comparison is of what the code computes: the address each instruction ends up loading or
jumping to. A failure prints the first differing offset, the relocation there and both values.
"""
from __future__ import annotations

import pytest

from kemu.link.compare import compare_with_gnu_ld
from kemu.link.gnu_ld import link_with_gnu_ld

from .conftest import require
from .manifest import linkable

pytestmark = pytest.mark.needs_tool


@pytest.mark.parametrize("fixture", linkable(), ids=lambda f: f.id)
def test_kemu_agrees_with_gnu_ld(fixture, tmp_path):
    require("ld")
    obj, image = fixture.link()
    reference = link_with_gnu_ld(fixture.path, obj, image, tmp_path)
    result = compare_with_gnu_ld(obj, image, reference)
    assert result.ok, f"{fixture.id} differs from GNU ld:\n{result.report()}"
    assert result.sections == sum(1 for p in image.placements if p.index >= 0)


def test_a_wrong_byte_is_reported_with_offset_relocation_and_both_values(tmp_path):
    require("ld")
    fixture = next(f for f in linkable() if f.id == "x86_64/absolute")
    obj, image = fixture.link()
    reference = link_with_gnu_ld(fixture.path, obj, image, tmp_path)
    text = image.placements[0]
    assert text.name == ".text"
    # abs_entry starts `movq $ext_data, %rax`: 48 c7 c0 <R_X86_64_32S field at +3>
    image.bytes[text.addr - image.base + 3] ^= 0xFF
    result = compare_with_gnu_ld(obj, image, reference)
    assert not result.ok
    first = result.differences[0]
    assert (first.section, first.offset) == (".text", 3)
    assert "R_X86_64_32S against 'ext_data'" in first.relocation
    assert first.ld == 0x81800040 and first.kemu == 0x81800040 ^ 0xFF
    assert ".text+0x3" in str(first) and "kemu 0x818000bf, ld 0x81800040" in str(first)


def test_a_wrong_got_slot_is_reported_as_what_the_code_loads(tmp_path):
    require("ld")
    fixture = next(f for f in linkable() if f.id == "x86_64/got_relax")
    obj, image = fixture.link()
    reference = link_with_gnu_ld(fixture.path, obj, image, tmp_path)
    got = next(p for p in image.placements if p.name == ".got")
    image.bytes[got.addr - image.base] ^= 0x10      # corrupt the first slot
    result = compare_with_gnu_ld(obj, image, reference)
    assert not result.ok
    assert any("computes" in d.what or "GOT slot" in d.what for d in result.differences)
