"""Seeded random mutation: thousands of damaged copies of real fixtures, each must either
parse into an ObjectFile (whose lazy parts also work) or raise BadObject. Anything else fails
with the seed and the exact mutations, so `mutate(data, seed)` reproduces it."""
from __future__ import annotations

import functools
import random
import struct
import time
import traceback

import pytest

from kemu.elf import BadObject, ObjectFile
from kemu.paths import FIXTURES

from .conftest import all_fixture_objects, shared_fixture_objects

TOTAL_MUTANTS = 30000
SLOW_MUTANT_S = 2.0     # one parse this slow means a mutant found a near-hang
INTERESTING = [0, 1, 2, 3, 4, 7, 8, 0x10, 0x40, 0x7F, 0x80, 0xFF, 0x100, 0xFF00, 0xFFF1, 0xFFF2,
               0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 32, 1 << 40, (1 << 63) - 1,
               (1 << 64) - 1]


@functools.lru_cache(maxsize=None)
def regions(data: bytes) -> list[tuple[int, int]]:
    """Where the structure lives: the ELF header, the section table and the symbol,
    relocation, group and string tables (read from the intact object); for a shared object
    also the program headers and the dynamic tables."""
    obj = ObjectFile.parse(data, "seed.o")
    ehsize = 52 if obj.elfclass == 32 else 64
    shentsize = 40 if obj.elfclass == 32 else 64
    shoff = struct.unpack_from("<I" if obj.elfclass == 32 else "<Q", data,
                               0x20 if obj.elfclass == 32 else 0x28)[0]
    out = [(0, ehsize), (shoff, shoff + shentsize * len(obj.sections))]
    for s in obj.sections:
        if s.type in (2, 3, 4, 9, 17, 18, 5, 6, 11, 0x6FFFFFF6) and s.size:
            out.append((s.offset, s.offset + s.size))
    if obj.shared:
        phoff = struct.unpack_from("<I" if obj.elfclass == 32 else "<Q", data,
                                   0x1C if obj.elfclass == 32 else 0x20)[0]
        out.append((phoff, phoff + len(obj.program_headers) * (32 if obj.elfclass == 32 else 56)))
    return out


def mutate(data: bytes, seed: int) -> tuple[bytes, list[str]]:
    """Apply 1-4 seeded mutations biased toward the structural regions; returns the mutant
    and a description of each mutation."""
    rng = random.Random(seed)
    buf = bytearray(data)
    spans = regions(data)
    log: list[str] = []
    for _ in range(rng.randint(1, 4)):
        if not buf:
            break
        lo, hi = rng.choice(spans) if rng.random() < 0.85 else (0, len(buf))
        hi = min(hi, len(buf))
        if hi <= lo:
            lo, hi = 0, len(buf)
        at = rng.randrange(lo, hi)
        kind = rng.random()
        if kind < 0.30:
            width = rng.choice((1, 2, 4, 8))
            value = rng.choice(INTERESTING) & ((1 << (8 * width)) - 1)
            chunk = value.to_bytes(width, "little")[: len(buf) - at]
            buf[at:at + len(chunk)] = chunk
            log.append(f"write {width}-byte {value:#x} at {at:#x}")
        elif kind < 0.55:
            width = rng.choice((1, 2, 4, 8))
            chunk = rng.randbytes(width)[: len(buf) - at]
            buf[at:at + len(chunk)] = chunk
            log.append(f"write random {chunk.hex()} at {at:#x}")
        elif kind < 0.75:
            bit = rng.randrange(8)
            buf[at] ^= 1 << bit
            log.append(f"flip bit {bit} at {at:#x}")
        elif kind < 0.90:
            delta = rng.choice((-1, 1, -16, 16, 0x100))
            width = 4 if at + 4 <= len(buf) else 1
            value = (int.from_bytes(buf[at:at + width], "little") + delta) % (1 << (8 * width))
            buf[at:at + width] = value.to_bytes(width, "little")
            log.append(f"add {delta} to {width}-byte word at {at:#x}")
        else:
            del buf[at:]
            log.append(f"truncate at {at:#x}")
    return bytes(buf), log


def exercise(obj: ObjectFile) -> None:
    """Touch every lazy part of an accepted object: it must not fail later either."""
    for sym in obj.symbols:
        obj.symbol_by_name(sym.name)
    for sec in obj.sections:
        obj.section_data(sec)
        obj.section_by_name(sec.name)
    for table in obj.relocations:
        assert int(table.entries["sym"].max(initial=0)) < max(1, len(obj.symtab))
    for table in obj.dynamic_relocations:
        assert int(table.entries["sym"].max(initial=0)) < max(1, len(obj.dynsym))
    for i in range(len(obj.dynsym)):
        obj.dynsym_name(i)
    repr(obj)


OBJECTS = all_fixture_objects() + shared_fixture_objects()


@pytest.mark.slow
def test_every_mutant_parses_or_is_a_bad_object():
    seeds = [p.read_bytes() for p in OBJECTS]
    assert seeds, "no fixtures to mutate"
    counts = {"parsed": 0, "rejected": 0}
    for n in range(TOTAL_MUTANTS):
        which = n % len(seeds)
        mutant, log = mutate(seeds[which], n)
        where = f"mutant {n} of {OBJECTS[which].relative_to(FIXTURES)} (seed {n}): {'; '.join(log)}"
        started = time.perf_counter()
        try:
            obj = ObjectFile.parse(mutant, "mutant.o")
            exercise(obj)
            counts["parsed"] += 1
        except BadObject as err:
            assert str(err).startswith("mutant.o: ")
            counts["rejected"] += 1
        except Exception:
            pytest.fail(f"{where}\n{traceback.format_exc()}")
        took = time.perf_counter() - started
        assert took < SLOW_MUTANT_S, f"{where}: took {took:.1f}s"
    assert counts["rejected"] > TOTAL_MUTANTS // 4, counts
