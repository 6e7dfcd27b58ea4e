"""The small linker (kemu.link.small) builds the image the numpy linker builds, byte for byte,
and hands everything else — GOTs, and every error, which the numpy linker words — back to it,
asking the resolver nothing twice."""
from __future__ import annotations

import random

import pytest

from kemu.elf import ObjectFile
from kemu.link import LinkError, link
from kemu.link.linker import _link_arrays
from kemu.link.policy import DEFAULT_POLICY
from kemu.link.small import link_small
from kemu.paths import FIXTURES

OBJECTS = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".o", ".ko", ".kmod"))
# Where the image goes and where its imports live: kernel addresses in reach of every
# relocation a kernel module uses (x86-64 modules are built with -mcmodel=kernel).
BASE = {"i386": 0xC1000000, "x86_64": 0xFFFFFFFFA0000000}
KERNEL = {"i386": 0xC0100000, "x86_64": 0xFFFFFFFF81000000}


def kernel_resolver(arch: str, asked: list[str] | None = None):
    """Every name at its own 16-byte slot, the same slot for the same name in every link."""
    def resolve(name: str) -> int:
        if asked is not None:
            asked.append(name)
        return KERNEL[arch] + 16 * (int.from_bytes(name.encode()[:3].ljust(3, b"\0"), "big") % 4096)
    return resolve


def _small_objects(folder):
    for path in OBJECTS:
        if path.parent.relative_to(FIXTURES) != folder:
            continue
        try:
            obj = ObjectFile.load(path)
        except Exception:
            continue
        if obj.small:
            yield obj


def _same(a, b) -> None:
    assert bytes(a.bytes) == bytes(b.bytes)
    assert (a.base, a.size, a.placements, a.segments) == (b.base, b.size, b.placements, b.segments)
    assert (a.imports, a.weak_unresolved, a.got_addr) == (b.imports, b.weak_unresolved, b.got_addr)
    assert a.symbol_list == b.symbol_list and a.symbols == b.symbols
    assert [a.section_address(i) for i in range(len(a._obj.sections))] == \
           [b.section_address(i) for i in range(len(b._obj.sections))]


@pytest.mark.parametrize("folder", sorted({p.parent.relative_to(FIXTURES) for p in OBJECTS}),
                         ids=str)
def test_small_objects_link_the_same_as_with_numpy(folder):
    linked = 0
    for obj in _small_objects(folder):
        resolve = kernel_resolver(obj.arch)
        try:
            reference = _link_arrays(obj, BASE[obj.arch], resolve, 4096, DEFAULT_POLICY)
        except LinkError as refused:
            assert link_small(obj, BASE[obj.arch], resolve, 4096, DEFAULT_POLICY) is None
            with pytest.raises(LinkError) as also_refused:
                link(obj, BASE[obj.arch], resolve)
            assert str(also_refused.value) == str(refused)
            continue
        image = link_small(obj, BASE[obj.arch], resolve, 4096, DEFAULT_POLICY)
        if image is None:            # a GOT: the numpy linker's, through link() as well
            assert obj.relocations and link(obj, BASE[obj.arch], resolve).got_addr is not None
            continue
        linked += 1
        _same(image, reference)
    if linked == 0:
        pytest.skip(f"no small object of fixtures/{folder} links without a GOT")


def test_fibo_links_without_numpy_arrays():
    obj = ObjectFile.load(FIXTURES / "netbsd-lkm" / "x86_64" / "gcc" / "fibo.o")
    image = link(obj, BASE["x86_64"], kernel_resolver("x86_64"))
    assert isinstance(image._sym_addr, list)
    assert image.entry("fibo_lkmentry") == image.section_address(obj.symbol_by_name(
        "fibo_lkmentry").shndx) + obj.symbol_by_name("fibo_lkmentry").value


def test_an_error_is_worded_by_the_numpy_linker_and_each_name_asked_once():
    obj = ObjectFile.load(FIXTURES / "netbsd-lkm" / "i386" / "gcc" / "fibo.o")
    asked: list[str] = []
    plain = kernel_resolver("i386")

    def without_printf(name: str):
        asked.append(name)
        return None if name == "printf" else plain(name)

    with pytest.raises(LinkError) as refused:
        link(obj, BASE["i386"], without_printf)
    assert "printf" in str(refused.value)
    assert sorted(asked) == sorted(set(asked))


def test_a_got_relocation_goes_to_the_numpy_linker():
    obj = ObjectFile.load(FIXTURES / "reloc" / "c" / "gcc" / "x86_64-pic-O2" / "chardev.o")
    assert obj.small
    resolve = kernel_resolver("x86_64")
    assert link_small(obj, BASE["x86_64"], resolve, 4096, DEFAULT_POLICY) is None
    image = link(obj, BASE["x86_64"], resolve)
    _same(image, _link_arrays(obj, BASE["x86_64"], resolve, 4096, DEFAULT_POLICY))
    assert image.got_addr is not None


VALUES = (0, 1, 2, 4, 0x10, 0x7F, 0x80, 0xFF, 0x1000, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
          0x80000000, 0xFFFFFFFF)


def _damage(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """1-3 seeded writes into what the linker reads: symbol values and section indices,
    relocation entries, section sizes and alignments, and the relocated bytes themselves."""
    obj = ObjectFile.parse(data, "seed.o")
    spans = [(s.offset, s.offset + s.size) for s in obj.sections
             if s.type in (1, 2, 4, 9) and s.size]          # PROGBITS, SYMTAB, RELA, REL
    buf, log = bytearray(data), []
    for _ in range(rng.randint(1, 3)):
        lo, hi = rng.choice(spans)
        at, width = rng.randrange(lo, hi), rng.choice((1, 2, 4))
        value = rng.choice(VALUES) & ((1 << 8 * width) - 1)
        buf[at:at + width] = value.to_bytes(width, "little")[:len(buf) - at]
        log.append(f"write {width}-byte {value:#x} at {at:#x}")
    return bytes(buf), log


def _link_outcome(linker, obj):
    try:
        image = linker(obj)
    except LinkError as err:
        return ("refused", str(err))
    return ("linked", bytes(image.bytes), image.placements, image.segments, image.imports,
            image.weak_unresolved, image.symbol_list)


def test_mutants_link_or_are_refused_alike_by_both_linkers():
    """Seeded damage to small fixtures that the reader still accepts: linking through `link`
    (the small linker first) gives the numpy linker's image or its exact error."""
    seeds = [p.read_bytes() for p in OBJECTS if p.parent.name == "gcc"
             and p.parent.parent.name in ("i386", "x86_64") and ObjectFile.load(p).small]
    assert seeds
    compared = 0
    for n in range(1500):
        mutant, log = _damage(seeds[n % len(seeds)], random.Random(9_000_000 + n))
        try:
            obj = ObjectFile.parse(mutant, "mutant.o")
        except Exception:
            continue
        if not obj.small or sum(s.size for s in obj.sections if s.alloc) > 1 << 24:
            continue
        base, resolve = BASE[obj.arch], kernel_resolver(obj.arch)
        quick = _link_outcome(lambda o: link(o, base, resolve), obj)
        full = _link_outcome(lambda o: _link_arrays(o, base, resolve, 4096, DEFAULT_POLICY), obj)
        assert quick == full, f"mutant {n}: {'; '.join(log)}"
        compared += 1
    assert compared > 100, compared
