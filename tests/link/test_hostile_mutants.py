"""Seeded hostile mutants through the whole reader → linker → writer path (issues 7 and 8).

Each mutant takes a real fixture (ET_REL and ET_DYN, both arches) and applies one or more
edits aimed at a class of defect found by the independent mutation run — a null section 0
posing as a table, alignments no module uses, a section retyped SHT_NULL, global section or
file symbols, control bytes in names, broken program headers and `.dynamic` entries — plus
random byte damage. Whatever the mutant, only BadObject or LinkError may come out; a linked
image must have the same size at 0 and at its load address; `entry()` gives an address or a
MissingSymbol; the map and the executable are written; no message carries a raw control byte
or names the file twice.

The default run uses a small seeded budget per arch; `-m slow` runs the long campaign.
"""
from __future__ import annotations

import random
import re
import struct
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from kemu.elf import BadObject, ObjectFile
from kemu.link import LinkError, MissingSymbol, link, write_executable
from kemu.link.mapfile import format_map
from kemu.paths import FIXTURES

SEEDS = {
    "i386": ["reloc/i386/absolute.o", "reloc/i386/common.o", "reloc/c/gcc/i386-O2/chardev.o",
             "dyn/i386_pic.o", "dyn/i386_pic.so", "dyn/i386_nopic.so"],
    "x86_64": ["reloc/x86_64/absolute.o", "reloc/x86_64/common.o",
               "reloc/c/gcc/x86_64-kernel-O2/chardev.o", "dyn/x86_64_pic.o",
               "dyn/x86_64_pic.so"],
}
KERNEL = {"i386": 0xC0100000, "x86_64": 0xFFFFFFFF81000000}
LOAD_AT = {"i386": 0xDCA4F000, "x86_64": 0xFFFFFFFFA0000000}
DEFAULT_BUDGET = 250            # per arch: a few seconds
LONG_BUDGET = 15000             # per arch, with -m slow
SLOW_MUTANT_S = 2.0
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
INTERESTING = [0, 1, 3, 0x7F, 0x80, 0xFF, 0x1000, 0x2000, 0xFFFF, 0x7FFFFFFF, 0x80000000,
               0xFFFFFFFF, 1 << 32, 0x40000000, (1 << 63) - 1, (1 << 64) - 1]
CONTROL_BYTES = [0x00, 0x07, 0x08, 0x0A, 0x0D, 0x1B, 0x7F, 0x9B, 0xFF]


@dataclass
class Shape:
    """Where an intact seed keeps its tables (from the reader), for aimed edits."""

    cls: int
    shoff: int
    nsec: int
    symtab: tuple[int, int, int] | None       # offset, count, entsize
    strtabs: list[tuple[int, int]]             # (offset, size) of string tables
    nobits: list[int]
    phoff: int
    nphdr: int
    dynamic: tuple[int, int] | None            # offset, count

    @classmethod
    def of(cls, data: bytes) -> "Shape":
        obj = ObjectFile.parse(data, "seed")
        c = obj.elfclass
        shoff = struct.unpack_from("<I" if c == 32 else "<Q", data, 0x20 if c == 32 else 0x28)[0]
        phoff = struct.unpack_from("<I" if c == 32 else "<Q", data, 0x1C if c == 32 else 0x20)[0]
        symtab = next(((s.offset, s.size // s.entsize, s.entsize) for s in obj.sections
                       if s.type in (2, 11) and s.entsize), None)
        strtabs = [(s.offset, s.size) for s in obj.sections if s.type == 3 and s.size]
        dyn = None
        for ph in obj.program_headers:
            if ph.type == 2:
                dyn = (ph.offset, ph.filesz // (16 if c == 64 else 8))
        return cls(c, shoff, len(obj.sections), symtab, strtabs,
                   [s.index for s in obj.sections if s.nobits], phoff,
                   len(obj.program_headers), dyn)


SHDR = {32: dict(type=(4, "I"), link=(24, "I"), align=(32, "I"), flags=(8, "I"), size=(20, "I"),
                entsize=(36, "I")),
        64: dict(type=(4, "I"), link=(40, "I"), align=(48, "Q"), flags=(8, "Q"), size=(32, "Q"),
                 entsize=(56, "Q"))}
PHDR = {32: [(0, "I"), (4, "I"), (8, "I"), (16, "I"), (20, "I"), (24, "I"), (28, "I")],
        64: [(0, "I"), (4, "I"), (8, "Q"), (16, "Q"), (32, "Q"), (40, "Q"), (48, "Q")]}


def put(buf: bytearray, at: int, code: str, value: int) -> None:
    size = struct.calcsize("<" + code)
    if 0 <= at and at + size <= len(buf):
        struct.pack_into("<" + code, buf, at, value & ((1 << (8 * size)) - 1))


def shdr(shape: Shape, index: int, field: str) -> tuple[int, str]:
    at, code = SHDR[shape.cls][field]
    return shape.shoff + index * (64 if shape.cls == 64 else 40) + at, code


def aimed_edit(buf: bytearray, shape: Shape, rng: random.Random) -> str:
    """One edit aimed at a defect class; returns what it did."""
    kinds = ["null-section", "align", "retype-null", "section-symbol", "control-name", "bytes"]
    if shape.nphdr:
        kinds += ["phdr", "phdr", "dynamic", "dynamic"]
    kind = rng.choice(kinds)
    if kind == "null-section":
        kind = rng.choice([4, 9, 17, 2, 11])
        entsize = {4: 12 if shape.cls == 32 else 24, 9: 8 if shape.cls == 32 else 16, 17: 4,
                   2: 16 if shape.cls == 32 else 24, 11: 16 if shape.cls == 32 else 24}[kind]
        put(buf, *shdr(shape, 0, "type"), kind)
        put(buf, *shdr(shape, 0, "entsize"), entsize)      # well-formed enough to get deep
        put(buf, *shdr(shape, 0, "link"), rng.choice([shape.nsec, 5000, 0xFFFFFFFF]))
        return "section 0 posing as a table"
    if kind == "align":
        i = rng.randrange(1, shape.nsec)
        value = rng.choice([0x2000, 0x10000, 0x40000000, 1 << 31, 0x1000, 0x800, 3, 0])
        put(buf, *shdr(shape, i, "align"), value)
        return f"section {i} sh_addralign {value:#x}"
    if kind == "retype-null":
        i = rng.choice(shape.nobits or [rng.randrange(1, shape.nsec)])
        put(buf, *shdr(shape, i, "type"), 0)
        return f"section {i} retyped SHT_NULL"
    if kind == "section-symbol" and shape.symtab:
        off, count, entsize = shape.symtab
        i = rng.randrange(1, max(2, count))
        info_at = off + i * entsize + (12 if shape.cls == 32 else 4)
        value = rng.choice([1, 2, 0]) << 4 | rng.choice([3, 4])
        put(buf, info_at, "B", value)
        return f"symbol {i} st_info {value:#x}"
    if kind == "control-name" and shape.strtabs:
        off, size = rng.choice(shape.strtabs)
        at = off + rng.randrange(size)
        buf[at] = rng.choice(CONTROL_BYTES)
        return f"control byte {buf[at]:#x} in a string table at {at:#x}"
    if kind == "phdr":
        i = rng.randrange(shape.nphdr)
        at, code = rng.choice(PHDR[shape.cls])
        value = rng.choice(INTERESTING + [rng.randrange(1 << 16)])
        put(buf, shape.phoff + i * (56 if shape.cls == 64 else 32) + at, code, value)
        return f"program header {i} field +{at} := {value:#x}"
    if kind == "dynamic" and shape.dynamic:
        off, count = shape.dynamic
        k = rng.randrange(count)
        half = 8 if shape.cls == 64 else 4
        at = off + k * 2 * half + rng.choice([0, half])
        value = rng.choice(INTERESTING + [rng.randrange(64), rng.randrange(1 << 16)])
        put(buf, at, "Q" if half == 8 else "I", value)
        return f".dynamic entry {k} word at {at:#x} := {value:#x}"
    at = rng.randrange(len(buf))
    buf[at] = rng.randrange(256)
    return f"byte at {at:#x}"


def mutate(data: bytes, shape: Shape, seed: int) -> tuple[bytes, list[str]]:
    rng = random.Random(seed)
    buf = bytearray(data)
    log = [aimed_edit(buf, shape, rng) for _ in range(rng.randint(1, 3))]
    return bytes(buf), log


def clean(text: str, what: str) -> None:
    assert not RAW_CONTROL.search(text), f"raw control byte in {what}: {text!r}"


def check_error(err: Exception) -> None:
    text = str(err)
    assert text.startswith("mutant.o: "), text
    assert not text.startswith("mutant.o: mutant.o:"), text
    clean(text, "an error message")


def exercise(data: bytes, arch: str, out: Path) -> str:
    """Run one mutant through reader, linker (twice), entry, map and writer."""
    try:
        obj = ObjectFile.parse(data, "mutant.o")
    except BadObject as err:
        check_error(err)
        return "unreadable"
    resolve = lambda name: KERNEL[arch]  # noqa: E731 - every import resolves
    try:
        prelinked = link(obj, 0, resolve)
        image = link(obj, LOAD_AT[arch], resolve)
    except LinkError as err:
        check_error(err)
        return "refused"
    assert prelinked.size == image.size, "the image size depends on the base"
    names = [s.name for s in obj.symbols[:40]] + [s.name for s in obj.sections[:20]]
    for name in names:
        # modload's contract: a name the object defines (by lookup) is an entry the image has
        sym = obj.symbol_by_name(name)
        try:
            image.entry(name)
        except MissingSymbol as err:
            check_error(err)
            assert sym is None or sym.undefined, f"{name!r} is defined but has no entry: {err}"
    clean(format_map(image), "the link map")
    write_executable(image, obj, out)
    return "linked"


def campaign(arch: str, budget: int, tmp_path: Path) -> dict[str, int]:
    seeds = [(name, (FIXTURES / name).read_bytes()) for name in SEEDS[arch]]
    shapes = [Shape.of(data) for _, data in seeds]
    counts = {"unreadable": 0, "refused": 0, "linked": 0}
    out = tmp_path / "mutant.elf"
    for n in range(budget):
        k = n % len(seeds)
        mutant, log = mutate(seeds[k][1], shapes[k], _seed_of(arch, n))
        where = f"{arch} mutant {n} of {seeds[k][0]}: {'; '.join(log)}"
        started = time.perf_counter()
        try:
            counts[exercise(mutant, arch, out)] += 1
        except AssertionError as exc:
            pytest.fail(f"{where}\n{exc}")
        except Exception:
            pytest.fail(f"{where}\n{traceback.format_exc()}")
        took = time.perf_counter() - started
        assert took < SLOW_MUTANT_S, f"{where}: took {took:.1f}s"
    return counts


def _seed_of(arch: str, n: int) -> int:
    return (0x6B656D75 if arch == "i386" else 0x6C696E6B) ^ n


@pytest.mark.parametrize("arch", sorted(SEEDS))
def test_hostile_mutants_raise_only_kemu_errors(arch, tmp_path):
    counts = campaign(arch, DEFAULT_BUDGET, tmp_path)
    assert counts["linked"] > 0 and counts["unreadable"] > 0, counts


@pytest.mark.slow
@pytest.mark.parametrize("arch", sorted(SEEDS))
def test_long_hostile_mutant_campaign(arch, tmp_path, request):
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("the long campaign runs with -m slow")
    counts = campaign(arch, LONG_BUDGET, tmp_path)
    assert counts["linked"] > 0, counts


def test_every_aimed_edit_class_is_drawn_for_both_kinds_of_object():
    seen: dict[str, set[str]] = {"rel": set(), "dyn": set()}
    for arch, names in SEEDS.items():
        for name in names:
            data = (FIXTURES / name).read_bytes()
            shape = Shape.of(data)
            for n in range(120):
                _, log = mutate(data, shape, n)
                for entry in log:
                    seen["dyn" if name.endswith(".so") else "rel"].add(entry.split(" ")[0])
    assert {"section", "control", "program", ".dynamic"} <= seen["dyn"]
    assert {"section", "control", "symbol"} <= seen["rel"]
