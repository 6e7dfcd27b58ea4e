"""A fixture cut short at any point is a BadObject that says something lies outside the file
(or that the file is too short), naming the file — never an IndexError or a struct.error."""
from __future__ import annotations

import pytest

from kemu.elf import BadObject, ObjectFile
from kemu.paths import FIXTURES

from .conftest import all_fixture_objects, shared_fixture_objects

OBJECTS = all_fixture_objects() + shared_fixture_objects()
SHORT = ("outside the file", "shorter than", "needs", "no terminating NUL", "only")


def cut_points(size: int, shoff: int) -> list[int]:
    """Every byte of the first 80, a spread through the body, every entry edge of the table."""
    points = set(range(0, min(80, size)))
    points.update(range(80, size, max(1, size // 64)))
    points.update(range(max(0, shoff - 8), size, 4))
    return sorted(p for p in points if p < size)


@pytest.mark.parametrize("path", OBJECTS, ids=[str(p.relative_to(FIXTURES)) for p in OBJECTS])
def test_truncated_object_is_rejected_with_a_clear_message(path):
    raw = path.read_bytes()
    full = ObjectFile.parse(raw, "full.o")
    table_end = max([s.offset + s.size for s in full.sections if not s.nobits] + [0])
    shoff = int.from_bytes(raw[0x20:0x24] if full.elfclass == 32 else raw[0x28:0x30], "little")
    must_fail_below = max(table_end, shoff + 1)
    for cut in cut_points(len(raw), shoff):
        try:
            ObjectFile.parse(raw[:cut], f"cut{cut}.o")
        except BadObject as err:
            text = str(err)
            assert text.startswith(f"cut{cut}.o: "), text
            assert any(s in text for s in SHORT), f"cut at {cut}: {text}"
        else:
            assert cut >= must_fail_below, f"cut at {cut} of {len(raw)} was accepted"
