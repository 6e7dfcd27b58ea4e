"""Seeded random mutants of real fixtures: whatever the reader accepts, `link` either links or
raises a LinkError — never another exception, never a hang, never a huge allocation."""
from __future__ import annotations

import random
import time

import pytest

from kemu.elf import BadObject, ObjectFile
from kemu.link import LinkError, link

from .manifest import fixtures

SOURCES = ["x86_64/absolute", "x86_64/got_plain", "x86_64/common", "i386/got", "i386/edges",
           "c/gcc/x86_64-kernel-O2/chardev", "c/clang/i386-pic-O2/tables"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out))
        choice = rng.random()
        if choice < 0.5:
            out[at] = rng.randrange(256)
        elif choice < 0.8:
            out[at] ^= 1 << rng.randrange(8)
        else:                                  # an all-ones or zero word
            out[at:at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\0\0\0\0"])
    return bytes(out)


@pytest.mark.slow
@pytest.mark.parametrize("name", SOURCES)
def test_link_of_any_readable_mutant_raises_only_link_errors(name):
    fixture = next(f for f in fixtures() if f.id == name)
    original = fixture.path.read_bytes()
    rng = random.Random(f"kemu-link-{name}")
    externals = fixture.externals(fixture.load())
    linked = refused = unreadable = 0
    deadline = time.monotonic() + 20
    for _ in range(600):
        data = mutate(original, rng)
        try:
            obj = ObjectFile.parse(data, "mutant.o")
        except BadObject:
            unreadable += 1
            continue
        try:
            link(obj, fixture.base, lambda n: externals.get(n, fixture.base))
            linked += 1
        except LinkError:
            refused += 1
        assert time.monotonic() < deadline, "mutants take too long to link"
    assert linked + refused + unreadable == 600
    assert linked + refused > 0
