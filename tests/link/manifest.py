"""The relocation fixtures as the tests see them: fixtures/reloc/MANIFEST.json plus link helpers.

Each fixture names its arch, base address and the externals' addresses (from the `# kemu-sym`
lines of its source). Compiler-built objects get their externals here: every undefined
non-weak symbol an address in a stub area, in name order, so every run links the same way.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kemu.elf import ObjectFile
from kemu.elf.constants import SHN_UNDEF, STB_WEAK
from kemu.link import LinkedImage, link

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "fixtures" / "reloc" / "MANIFEST.json"
STUB_AREA = {"i386": 0xC0100000, "x86_64": 0xFFFFFFFF81000000}


@dataclass(frozen=True)
class Fixture:
    rel: str
    path: Path
    arch: str
    base: int
    symbols: dict
    expect: dict | None
    kind: str
    tool: str
    config: str = ""

    @property
    def id(self) -> str:
        return self.rel.removeprefix("fixtures/reloc/").removesuffix(".o")

    def load(self) -> ObjectFile:
        return ObjectFile.load(self.path)

    def externals(self, obj: ObjectFile | None = None) -> dict[str, int]:
        """Addresses for the object's externals: from the source header, or generated."""
        if self.kind == "asm":
            return dict(self.symbols)
        obj = obj or self.load()
        names = sorted({s.name for s in obj.symbols
                        if s.index and s.shndx == SHN_UNDEF and s.bind != STB_WEAK and s.name
                        and s.name != "_GLOBAL_OFFSET_TABLE_"})
        return {n: STUB_AREA[self.arch] + 0x10 * i for i, n in enumerate(names)}

    def link(self, obj: ObjectFile | None = None) -> tuple[ObjectFile, LinkedImage]:
        obj = obj or self.load()
        return obj, link(obj, self.base, self.externals(obj).get)


@lru_cache(maxsize=1)
def fixtures() -> tuple[Fixture, ...]:
    data = json.loads(MANIFEST.read_text())
    out = []
    for rel, e in sorted(data["objects"].items()):
        out.append(Fixture(rel, ROOT / rel, e["arch"], int(e["base"], 16),
                           {k: int(v, 16) for k, v in e.get("symbols", {}).items()},
                           e.get("expect"), e["kind"], e["tool"], e.get("config", "")))
    return tuple(out)


def linkable() -> list[Fixture]:
    return [f for f in fixtures() if f.expect is None]


def failing() -> list[Fixture]:
    return [f for f in fixtures() if f.expect is not None]
