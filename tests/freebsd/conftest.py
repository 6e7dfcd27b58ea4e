"""Shared helpers for the FreeBSD kld tests: fixture paths, the builder, and a reader for
the metadata a kld carries, written on pyelftools (independently of kemu's own ELF reader
and linker) so these tests check what the toolchain produced, not what kemu believes."""
from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from kemu.paths import ROOT, fixture

FIXTURE_DIR = fixture("freebsd")
MANIFEST_PATH = FIXTURE_DIR / "MANIFEST.json"
GUEST = ROOT / "guest" / "freebsd"
LAYOUTS_PATH = GUEST / "layout" / "layouts.json"
ARCHES = ("i386", "x86_64")
COMPILERS = ("gcc", "clang")
MDT_DEPEND, MDT_MODULE, MDT_VERSION = 1, 2, 3
FREEBSD_VERSION = 1403000


def load_manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text())


def load_layouts() -> dict:
    return json.loads(LAYOUTS_PATH.read_text())


def load_builder():
    """tools/build_freebsd_fixtures.py as a module (tools/ is not a package)."""
    path = ROOT / "tools" / "build_freebsd_fixtures.py"
    spec = importlib.util.spec_from_file_location("build_freebsd_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_freebsd_fixtures", module)
    spec.loader.exec_module(module)
    return module


def require(*tools: str) -> None:
    """Skip the calling test when any of `tools` is not installed."""
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")


def kld(arch: str, compiler: str, name: str) -> Path:
    return FIXTURE_DIR / arch / compiler / f"{name}.ko"


@dataclass(frozen=True)
class Metadata:
    """One `struct mod_metadata' record of a kld, with what its md_data points at."""
    type: int
    name: str            # md_cval
    data: tuple[int, ...]  # MDT_DEPEND: (min, preferred, max); MDT_VERSION: (version,); MDT_MODULE: ()
    module_name: str = ""  # MDT_MODULE: moduledata_t.name


class KldImage:
    """A kld's allocated sections laid out at their link addresses, relocations applied
    the way kern_linker.c sees the result: what a linker-set pointer points at.

    ET_DYN (i386): sections already have addresses; R_386_RELATIVE words hold the target
    address. ET_REL (amd64): each section is placed at a distinct base and the RELA entries
    that point into the file's own sections (R_X86_64_64 against a section or local symbol)
    are applied; pointers to undefined symbols stay 0.
    """

    def __init__(self, path: Path):
        self.path = path
        self.file = open(path, "rb")
        self.elf = ELFFile(self.file)
        self.ptr = 8 if self.elf.elfclass == 64 else 4
        self.memory: dict[int, bytearray] = {}      # base -> bytes
        self.section_base: dict[int, int] = {}
        if self.elf.header["e_type"] == "ET_DYN":
            for i, sec in enumerate(self.elf.iter_sections()):
                if sec["sh_flags"] & 0x2 and sec["sh_type"] != "SHT_NOBITS":
                    self.memory[sec["sh_addr"]] = bytearray(sec.data())
                    self.section_base[i] = sec["sh_addr"]
        else:
            base = 0x100000
            for i, sec in enumerate(self.elf.iter_sections()):
                if sec["sh_flags"] & 0x2 and sec["sh_type"] != "SHT_NOBITS":
                    self.memory[base] = bytearray(sec.data())
                    self.section_base[i] = base
                    base += (sec["sh_size"] + 0xfff) & ~0xfff or 0x1000
            self._apply_rela()

    def close(self) -> None:
        self.file.close()

    def _apply_rela(self) -> None:
        symtab = self.elf.get_section_by_name(".symtab")
        for sec in self.elf.iter_sections():
            if not isinstance(sec, RelocationSection) or sec["sh_info"] not in self.section_base:
                continue
            target = self.section_base[sec["sh_info"]]
            for rel in sec.iter_relocations():
                if rel["r_info_type"] != 1:          # R_X86_64_64: the pointers in data
                    continue
                sym = symtab.get_symbol(rel["r_info_sym"])
                if not isinstance(sym["st_shndx"], int) or sym["st_shndx"] not in self.section_base:
                    continue
                value = self.section_base[sym["st_shndx"]] + sym["st_value"] + rel["r_addend"]
                self.write(target + rel["r_offset"], value.to_bytes(8, "little"))

    def _locate(self, addr: int) -> tuple[bytearray, int]:
        for base, data in self.memory.items():
            if base <= addr < base + len(data):
                return data, addr - base
        raise KeyError(f"{self.path.name}: address {addr:#x} is in no allocated section")

    def read(self, addr: int, size: int) -> bytes:
        data, off = self._locate(addr)
        return bytes(data[off:off + size])

    def write(self, addr: int, raw: bytes) -> None:
        data, off = self._locate(addr)
        data[off:off + len(raw)] = raw

    def word(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, self.ptr), "little")

    def int32(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 4), "little", signed=True)

    def string(self, addr: int) -> str:
        data, off = self._locate(addr)
        return bytes(data[off:data.index(0, off)]).decode()

    def linker_set(self, name: str) -> list[int]:
        """The pointers in section set_<name>, in order."""
        for i, sec in enumerate(self.elf.iter_sections()):
            if sec.name == f"set_{name}":
                base = self.section_base[i]
                return [self.word(base + k) for k in range(0, sec["sh_size"], self.ptr)]
        return []

    def metadata(self) -> list[Metadata]:
        """Every mod_metadata record of set_modmetadata_set, decoded as kern_linker.c does."""
        out = []
        for rec in self.linker_set("modmetadata_set"):
            assert self.int32(rec) == 1, "md_version must be MDT_STRUCT_VERSION"
            mdtype = self.int32(rec + 4)
            data_ptr = self.word(rec + 8)
            name = self.string(self.word(rec + 8 + self.ptr))
            if mdtype == MDT_DEPEND:
                out.append(Metadata(mdtype, name, tuple(self.int32(data_ptr + 4 * k) for k in range(3))))
            elif mdtype == MDT_VERSION:
                out.append(Metadata(mdtype, name, (self.int32(data_ptr),)))
            elif mdtype == MDT_MODULE:
                out.append(Metadata(mdtype, name, (), module_name=self.string(self.word(data_ptr))))
            else:
                out.append(Metadata(mdtype, name, ()))
        return out

    def sysinits(self, setname: str = "sysinit_set") -> list[tuple[int, int]]:
        """(subsystem, order) of every struct sysinit in the set, in section order."""
        return [(self.int32(p) & 0xffffffff, self.int32(p + 4) & 0xffffffff) for p in self.linker_set(setname)]


@pytest.fixture
def open_kld():
    """Open a fixture kld as a KldImage; closed after the test."""
    opened = []

    def _open(arch: str, compiler: str, name: str) -> KldImage:
        image = KldImage(kld(arch, compiler, name))
        opened.append(image)
        return image

    yield _open
    for image in opened:
        image.close()
