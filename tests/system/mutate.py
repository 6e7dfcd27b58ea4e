"""Seeded mutants of real module objects, aimed at one part of the object each.

Where the reader/linker suites (tests/elf, tests/link) damage an object to test parsing, these
mutants are meant to get *through* parsing and linking as often as they fail in it, so that the
module's damaged code and data run inside the machine: flipped bytes and planted hostile
instructions in `.text` (behaviour mutants), damaged `.data`/`.rodata`, relocation entries
pointing elsewhere, symbols moved or retyped, ELF and section header fields, truncations.

`mutate(seed, rng)` returns the mutant's bytes and a line per edit saying what it did, so a
failure names both the random seed (to replay) and the damage.
"""
from __future__ import annotations

import random
import struct
from dataclasses import dataclass
from pathlib import Path

from kemu.elf import ObjectFile

SHT_SYMTAB, SHT_STRTAB, SHT_RELA, SHT_REL = 2, 3, 4, 9
INTERESTING = [0, 1, 2, 4, 7, 8, 0x10, 0x7F, 0x80, 0xFF, 0x100, 0xFFF, 0x1000, 0xFFFF, 0x10000,
               0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFF, 1 << 32, (1 << 63) - 1, 1 << 63,
               (1 << 64) - 1, (1 << 64) - 8]

#: Machine code a module should never run; planted at a random spot of a code section.
#: (bytes, what) — valid on both arches unless the name says otherwise.
HOSTILE_CODE = [
    (b"\x0f\x0b", "ud2"), (b"\xcc", "int3"), (b"\xf4", "hlt"), (b"\xcd\x80", "int $0x80"),
    (b"\xcd\x03", "int $3"), (b"\xfa", "cli"), (b"\xfb", "sti"),
    (b"\x9c\x81\x0c\x24\x00\x01\x00\x00\x9d", "set EFLAGS.TF"),
    (b"\xfd", "std"), (b"\x0f\x01\xf8", "swapgs"), (b"\x0f\x05", "syscall"),
    (b"\x0f\x34", "sysenter"), (b"\x0f\x30", "wrmsr"), (b"\x0f\x32", "rdmsr"),
    (b"\x0f\x22\xd8", "mov %eax,%cr3"), (b"\x0f\x22\xc0", "mov %eax,%cr0"),
    (b"\x0f\x23\xf8", "mov %eax,%dr7"), (b"\x8e\xd8", "mov %eax,%ds"),
    (b"\x8e\xd0", "mov %eax,%ss"), (b"\x0f\x01\x10", "lgdt (%eax)"), (b"\x0f\x01\x18", "lidt (%eax)"),
    (b"\xe4\x60", "in $0x60,%al"), (b"\xee", "out %al,(%dx)"), (b"\xff\xe0", "jmp *%eax"),
    (b"\xff\xd0", "call *%eax"), (b"\xc3", "ret"), (b"\xc2\xff\xff", "ret $0xffff"),
    (b"\x31\xe4", "xor %esp,%esp"), (b"\x31\xed\xc9\xc3", "xor %ebp,%ebp; leave; ret"),
    (b"\xf3\xab", "rep stos"), (b"\xf3\xa4", "rep movsb"), (b"\xeb\xfe", "jmp ."),
    (b"\x31\xc9\xf7\xf1", "div by zero"), (b"\x0f\xa2", "cpuid"), (b"\x0f\x31", "rdtsc"),
    (b"\xdb\xe3\xd9\xe8\xd9\xee\xde\xf9", "x87 0/1"), (b"\x0f\x57\xc0", "xorps (SSE)"),
    (b"\xc5\xfc\x77", "vzeroall (AVX)"), (b"\x0f\xae\x10", "ldmxcsr (%eax)"),
    (b"\xf0\x90", "lock nop (#UD)"), (b"\x0f\x00\xd8", "ltr %ax"), (b"\x0f\x09", "wbinvd"),
    (b"\x0f\x01\xd9", "vmmcall"), (b"\x62\xff\xff\xff", "bound/EVEX garbage"),
]


@dataclass(frozen=True)
class Seed:
    """One clean module object: where it is and what the edits may aim at."""

    path: Path
    arch: str
    compiler: str
    name: str                       # module stem: "fibo", "echodev" ...
    data: bytes
    elfclass: int
    text: tuple[tuple[int, int], ...]        # (file offset, size) of code sections
    data_sections: tuple[tuple[int, int], ...]
    relocs: tuple[tuple[int, int, int, bool], ...]   # (offset, count, entsize, is_rela)
    symtab: tuple[int, int, int] | None              # (offset, count, entsize)
    strtabs: tuple[tuple[int, int], ...]
    sections: tuple[tuple[int, int], ...]            # (offset, size) of every section with bytes
    shoff: int
    shnum: int
    imports: tuple[str, ...]                         # undefined symbols: the kernel's to give
    debug: tuple[tuple[int, int], ...]               # (offset, size) of .debug_* sections


    @classmethod
    def load(cls, path: Path, arch: str, compiler: str) -> "Seed":
        data = path.read_bytes()
        obj = ObjectFile.parse(data, path.name)
        c = obj.elfclass
        shoff = struct.unpack_from("<I" if c == 32 else "<Q", data, 0x20 if c == 32 else 0x28)[0]
        with_bytes = [s for s in obj.sections if s.index and not s.nobits and s.size]
        return cls(
            path, arch, compiler, path.stem.removesuffix("-g"), data, c,
            tuple((s.offset, s.size) for s in with_bytes if s.alloc and s.execinstr),
            tuple((s.offset, s.size) for s in with_bytes if s.alloc and not s.execinstr),
            tuple((r.section.offset, len(r.entries), r.section.entsize, r.is_rela)
                  for r in obj.relocations if len(r.entries)),
            next(((s.offset, s.size // s.entsize, s.entsize) for s in obj.sections
                  if s.type == SHT_SYMTAB and s.entsize), None),
            tuple((s.offset, s.size) for s in with_bytes if s.type == SHT_STRTAB),
            tuple((s.offset, s.size) for s in with_bytes),
            shoff, len(obj.sections),
            tuple(sorted({s.name for s in obj.symbols if s.undefined and s.name})),
            tuple((s.offset, s.size) for s in with_bytes if s.name.startswith(".debug_")))


def _put(buf: bytearray, at: int, code: str, value: int) -> None:
    size = struct.calcsize("<" + code)
    if 0 <= at and at + size <= len(buf):
        struct.pack_into("<" + code, buf, at, value & ((1 << (8 * size)) - 1))


def _flip(buf: bytearray, area: tuple[int, int], rng: random.Random, what: str) -> str:
    offset, size = area
    n = rng.choice([1, 1, 2, 4, 8, 16])
    spots = sorted(offset + rng.randrange(size) for _ in range(n))
    for at in spots:
        buf[at] = rng.choice([rng.randrange(256), buf[at] ^ (1 << rng.randrange(8))])
    return f"{what}: {n} byte(s) changed at {', '.join(hex(s) for s in spots[:4])}"


def edit_text(buf: bytearray, seed: Seed, rng: random.Random) -> str:
    area = rng.choice(seed.text)
    if rng.random() < 0.5:
        code, what = rng.choice(HOSTILE_CODE)
        at = area[0] + rng.randrange(max(1, area[1] - len(code)))
        buf[at:at + len(code)] = code[:max(0, area[0] + area[1] - at)]
        return f".text: planted {what} at {at:#x}"
    return _flip(buf, area, rng, ".text")


def edit_data(buf: bytearray, seed: Seed, rng: random.Random) -> str:
    if not seed.data_sections:
        return edit_text(buf, seed, rng)
    area = rng.choice(seed.data_sections)
    if rng.random() < 0.4 and area[1] >= 8:            # a pointer-sized word: a wild value
        word = 8 if seed.elfclass == 64 else 4
        at = area[0] + rng.randrange(area[1] - word + 1)
        value = rng.choice(INTERESTING)
        _put(buf, at, "Q" if word == 8 else "I", value)
        return f"data: word at {at:#x} := {value:#x}"
    return _flip(buf, area, rng, "data")


def edit_relocation(buf: bytearray, seed: Seed, rng: random.Random) -> str:
    if not seed.relocs:
        return edit_text(buf, seed, rng)
    offset, count, entsize, is_rela = rng.choice(seed.relocs)
    i = rng.randrange(count)
    at = offset + i * entsize
    wide = seed.elfclass == 64
    field = rng.choice(["offset", "type", "sym", "addend"] if is_rela else ["offset", "type", "sym"])
    if field == "offset":
        value = rng.choice(INTERESTING + [rng.randrange(0x400)])
        _put(buf, at, "Q" if wide else "I", value)
    elif field == "type":
        value = rng.choice([0, 1, 2, 3, 4, 9, 10, 11, 24, 26, 42, rng.randrange(64), 255])
        _put(buf, at + (8 if wide else 4), "I" if wide else "B", value)
    elif field == "sym":
        value = rng.choice([0, 1, 2, rng.randrange(64), 0xFFFFFF, 0xFFFFFFFF])
        if wide:
            _put(buf, at + 12, "I", value)
        else:
            info = struct.unpack_from("<I", buf, at + 4)[0]
            _put(buf, at + 4, "I", (value << 8) | (info & 0xFF))
    else:
        value = rng.choice(INTERESTING + [rng.randrange(-64, 64)])
        _put(buf, at + 16, "Q", value)
    return f"relocation {i} of table at {offset:#x}: {field} := {value:#x}"


def edit_symbol(buf: bytearray, seed: Seed, rng: random.Random) -> str:
    if not seed.symtab:
        return edit_text(buf, seed, rng)
    offset, count, entsize = seed.symtab
    i = rng.randrange(1, max(2, count))
    at = offset + i * entsize
    wide = seed.elfclass == 64
    # (field offset, struct code) for name, value, size, info, other, shndx
    fields = ({"name": (0, "I"), "info": (4, "B"), "other": (5, "B"), "shndx": (6, "H"),
               "value": (8, "Q"), "size": (16, "Q")} if wide else
              {"name": (0, "I"), "value": (4, "I"), "size": (8, "I"), "info": (12, "B"),
               "other": (13, "B"), "shndx": (14, "H")})
    field = rng.choice(sorted(fields))
    if field == "shndx":
        value = rng.choice([0, 1, 2, 3, seed.shnum - 1, seed.shnum, 0xFFF1, 0xFFF2, 0xFFFF])
    elif field == "info":
        value = rng.choice([0, 1, 2]) << 4 | rng.choice([0, 1, 2, 3, 4, 5, 6, 10])
    elif field == "value":
        value = rng.choice(INTERESTING + [rng.randrange(0x200)])
    else:
        value = rng.choice(INTERESTING + [rng.randrange(0x100)])
    rel, code = fields[field]
    _put(buf, at + rel, code, value)
    return f"symbol {i}: {field} := {value:#x}"


def edit_name(buf: bytearray, seed: Seed, rng: random.Random) -> str:
    if not seed.strtabs:
        return edit_text(buf, seed, rng)
    offset, size = rng.choice(seed.strtabs)
    at = offset + rng.randrange(size)
    buf[at] = rng.choice([0, 0x07, 0x0A, 0x1B, 0x7F, 0xFF, ord("x"), ord("%"), ord("/")])
    return f"string table byte at {at:#x} := {buf[at]:#x}"


def edit_header(buf: bytearray, seed: Seed, rng: random.Random) -> str:
    wide = seed.elfclass == 64
    if rng.random() < 0.3:                      # ELF header
        at = rng.randrange(0x10, 0x40 if wide else 0x34)
        buf[at] = rng.choice([0, 1, 0xFF, buf[at] ^ (1 << rng.randrange(8))])
        return f"ELF header byte at {at:#x} := {buf[at]:#x}"
    i = rng.randrange(seed.shnum)
    size = 64 if wide else 40
    fields = ({"type": (4, "I"), "flags": (8, "Q"), "addr": (16, "Q"), "offset": (24, "Q"),
               "size": (32, "Q"), "link": (40, "I"), "info": (44, "I"), "align": (48, "Q"),
               "entsize": (56, "Q")} if wide else
              {"type": (4, "I"), "flags": (8, "I"), "addr": (12, "I"), "offset": (16, "I"),
               "size": (20, "I"), "link": (24, "I"), "info": (28, "I"), "align": (32, "I"),
               "entsize": (36, "I")})
    field = rng.choice(sorted(fields))
    value = rng.choice(INTERESTING + [rng.randrange(16), rng.randrange(0x1000)])
    rel, code = fields[field]
    _put(buf, seed.shoff + i * size + rel, code, value)
    return f"section header {i}: {field} := {value:#x}"


def edit_debug(buf: bytearray, seed: Seed, rng: random.Random) -> str:
    """DWARF the debugger and oops reports read: lengths, offsets, forms, line programs."""
    if not seed.debug:
        return edit_data(buf, seed, rng)
    area = rng.choice(seed.debug)
    if rng.random() < 0.4 and area[1] >= 4:
        at = area[0] + rng.randrange(area[1] - 3)
        value = rng.choice(INTERESTING)
        _put(buf, at, "I", value)
        return f"DWARF: word at {at:#x} := {value:#x}"
    return _flip(buf, area, rng, "DWARF")


def truncate(data: bytes, seed: Seed, rng: random.Random) -> tuple[bytes, str]:
    choice = rng.random()
    if choice < 0.4:
        offset, size = rng.choice(seed.sections)
        cut = offset + rng.randrange(size + 1)
    elif choice < 0.6:
        cut = rng.choice([0, 1, 4, 16, 0x33, 0x34, 0x40, len(data) - 1])
    else:
        cut = rng.randrange(len(data))
    return data[:max(0, cut)], f"truncated to {max(0, cut)} of {len(data)} bytes"


EDITS = {
    "text": edit_text, "data": edit_data, "relocation": edit_relocation, "symbol": edit_symbol,
    "name": edit_name, "header": edit_header, "debug": edit_debug,
}
#: How often each kind of damage is drawn: behaviour mutants (code that runs) most often.
WEIGHTS = {"text": 6, "data": 3, "relocation": 3, "symbol": 2, "name": 1, "header": 2, "truncate": 1,
           "debug": 2}


def mutate(seed: Seed, rng: random.Random) -> tuple[bytes, list[str]]:
    """One mutant of `seed`: one to three edits of one kind; the lines say what changed."""
    kinds, weights = zip(*((k, w) for k, w in WEIGHTS.items() if k != "debug" or seed.debug))
    kind = rng.choices(kinds, weights)[0]
    if kind == "truncate":
        data, what = truncate(seed.data, seed, rng)
        return data, [what]
    buf = bytearray(seed.data)
    log = [EDITS[kind](buf, seed, rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    return bytes(buf), log
