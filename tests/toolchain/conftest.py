"""Shared helpers for the toolchain tests: fixture paths, the builder, ELF facts via pyelftools.

pyelftools (not kemu.elf) reads the objects here: these tests check what the compilers
produced, independently of kemu's own ELF reader.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from elftools.elf.descriptions import describe_reloc_type
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from cc_helpers import run_kemu_cc  # noqa: F401  (the toolchain tests import it from here)
from kemu.paths import ROOT, fixture

FIXTURE_DIR = fixture("netbsd-lkm")
MANIFEST_PATH = FIXTURE_DIR / "MANIFEST.json"
GUEST = ROOT / "guest" / "netbsd-lkm"
FIBO_C = GUEST / "fibo" / "fibo.c"

ELF_IDENTITY = {"i386": ("ELFCLASS32", "EM_386"), "x86_64": ("ELFCLASS64", "EM_X86_64")}

# Relocation types allowed in allocated sections: absolute and PC-relative only; anything
# needing a GOT or PLT (GOTPC, GOTOFF, GOT32, GOTPCREL, ...) is unusable by a kernel loader.
# R_X86_64_64 is an 8-byte pointer in .data/.rodata (a cdevsw entry, a jump table slot).
# R_X86_64_PLT32 is modern compilers' spelling of a direct call; it needs no PLT when the
# callee is resolved statically.
ALLOWED_ALLOC_RELOCS = {
    "i386": {"R_386_32", "R_386_PC32"},
    "x86_64": {"R_X86_64_64", "R_X86_64_32S", "R_X86_64_PC32", "R_X86_64_PLT32"},
}
CALL_RELOCS = {"i386": {"R_386_PC32"}, "x86_64": {"R_X86_64_PC32", "R_X86_64_PLT32"}}


def load_manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text())


def load_builder():
    """tools/build_lkm_fixtures.py as a module (tools/ is not a package)."""
    path = ROOT / "tools" / "build_lkm_fixtures.py"
    spec = importlib.util.spec_from_file_location("build_lkm_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_lkm_fixtures", module)
    spec.loader.exec_module(module)
    return module


def require(compiler: str) -> None:
    """Skip the calling test when `compiler` is not installed."""
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} is not installed")


@dataclass
class Reloc:
    section: str          # the section the relocation patches
    offset: int
    type: str
    symbol: str
    symbol_undefined: bool
    symbol_type: str
    opcode: int | None = None   # the byte before the patched field (0xe8 call, 0xe9 jmp) in code


@dataclass
class ElfFacts:
    elfclass: str
    machine: str
    type: str
    sections: list[str]
    undefined: set[str]
    global_functions: set[str]
    symbols: dict[str, dict]
    relocs: list[Reloc]
    alloc_sections: set[str]


def elf_facts(path: Path) -> ElfFacts:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        symbols = {}
        undefined, functions = set(), set()
        for sym in symtab.iter_symbols():
            if not sym.name:
                continue
            info = {"bind": sym["st_info"]["bind"], "type": sym["st_info"]["type"],
                    "shndx": sym["st_shndx"], "size": sym["st_size"]}
            symbols.setdefault(sym.name, info)
            if sym["st_shndx"] == "SHN_UNDEF":
                undefined.add(sym.name)
            elif info["bind"] == "STB_GLOBAL" and info["type"] == "STT_FUNC":
                functions.add(sym.name)
        relocs = []
        for sec in elf.iter_sections():
            if not isinstance(sec, RelocationSection):
                continue
            target = elf.get_section(sec["sh_info"])
            symsec = elf.get_section(sec["sh_link"])
            code = target.data() if target["sh_flags"] & 0x4 else b""
            for r in sec.iter_relocations():
                sym = symsec.get_symbol(r["r_info_sym"])
                name = sym.name or (elf.get_section(sym["st_shndx"]).name
                                    if isinstance(sym["st_shndx"], int) else "")
                relocs.append(Reloc(
                    section=target.name, offset=r["r_offset"],
                    type=describe_reloc_type(r["r_info_type"], elf),
                    symbol=name, symbol_undefined=sym["st_shndx"] == "SHN_UNDEF",
                    symbol_type=sym["st_info"]["type"],
                    opcode=code[r["r_offset"] - 1] if 0 < r["r_offset"] <= len(code) else None,
                ))
        alloc = {s.name for s in elf.iter_sections() if s["sh_flags"] & 0x2}
        facts = ElfFacts(
            elfclass=elf.header["e_ident"]["EI_CLASS"], machine=elf.header["e_machine"],
            type=elf.header["e_type"], sections=[s.name for s in elf.iter_sections()],
            undefined=undefined, global_functions=functions, symbols=symbols, relocs=relocs,
            alloc_sections=alloc,
        )
        return facts

