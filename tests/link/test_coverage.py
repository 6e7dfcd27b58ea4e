"""The fixtures cover what the linker claims: every implemented type appears in an object that
links (and so is compared with GNU ld), and every type that can overflow has an object one
past its edge that must be refused."""
from __future__ import annotations

import numpy as np
import pytest

from kemu.link.arches import RELOC_TABLES

from .manifest import failing, fixtures, linkable


def types_in(fixture) -> set[str]:
    obj = fixture.load()
    table = RELOC_TABLES[fixture.arch]
    codes = set()
    for t in obj.relocations:
        codes |= set(np.unique(t.entries["type"]).tolist())
    return {table.name(c) for c in codes}


@pytest.mark.parametrize("arch", sorted(RELOC_TABLES))
def test_every_implemented_type_is_exercised_by_a_linking_fixture(arch):
    seen = set()
    for f in linkable():
        if f.arch == arch:
            seen |= types_in(f)
    implemented = {t.name for t in RELOC_TABLES[arch].types.values()}
    assert implemented - seen == set()


@pytest.mark.parametrize("arch", sorted(RELOC_TABLES))
def test_every_type_that_can_overflow_has_a_fixture_one_past_the_edge(arch):
    table = RELOC_TABLES[arch]
    can_overflow = {t.name for t in table.types.values() if t.allowed(table.address_bits)}
    refused = {f.expect["mentions"][0] for f in failing()
               if f.arch == arch and f.expect["error"] == "RelocationOverflow"}
    assert can_overflow - refused == set()


@pytest.mark.parametrize("arch", sorted(RELOC_TABLES))
def test_the_edge_fixture_reaches_both_ends_of_every_narrow_field(arch):
    edges = next(f for f in fixtures() if f.id == f"{arch}/edges")
    table = RELOC_TABLES[arch]
    narrow = {t.name for t in table.types.values()
              if t.allowed(table.address_bits) and t.width < 4}
    assert narrow <= types_in(edges)


def test_kernel_compiler_output_uses_the_types_the_corpus_measured():
    expected = {"i386": {"R_386_32", "R_386_PC32"},
                "x86_64": {"R_X86_64_64", "R_X86_64_PC32", "R_X86_64_PLT32", "R_X86_64_32S",
                           "R_X86_64_32"}}
    for f in linkable():
        if f.kind == "c" and "pic" not in f.config:
            assert types_in(f) <= expected[f.arch], f.id


def test_position_independent_compiler_output_brings_the_got_family():
    seen = set()
    for f in linkable():
        if f.kind == "c" and "pic" in f.config:
            seen |= types_in(f)
    assert {"R_386_GOTPC", "R_386_GOTOFF", "R_386_GOT32X", "R_X86_64_REX_GOTPCRELX",
            "R_X86_64_GOTPC64", "R_X86_64_GOTOFF64"} <= seen
