"""Reference links with GNU ld: the same object, at the addresses kemu chose, linked by `ld`.

`link_with_gnu_ld` writes a linker script that puts every input section kemu placed at kemu's
address (one output section per input section, same name), defines every external kemu
resolved (and every COMMON symbol, at the address kemu gave it) as an absolute symbol, puts
ld's own GOT/PLT sections after the image, and runs `ld -m elf_i386|elf_x86_64`. The result is
read back with pyelftools into a `ReferenceLink` that `compare` checks kemu against.

ld does more than relocate. It merges SHF_MERGE sections (deduplicating strings and
constants, and folding "int" into the tail of "unsigned int" in .debug_str), rewrites
.eh_frame (dropping padding, sharing CIEs) and replaces build-id and property notes with its
own. A kernel loader does none of that, and none of it is relocation, so ld is handed a copy of
the object in which SHF_MERGE/SHF_STRINGS are cleared and those sections are renamed
(`reference_copy`); `ReferenceLink.section_for` maps kemu's names to the renamed outputs.

This is how kemu's relocation processing is checked type by type against GNU ld (tests, the
benchmark, and anyone who wants to verify a module of their own).
"""
from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from elftools.elf.elffile import ELFFile

from kemu.elf import ObjectFile
from kemu.elf.constants import SHF_MERGE, SHF_STRINGS, SHN_COMMON
from kemu.intbits import align_up

from .got import GOT_SYMBOL
from .image import LinkedImage

EMULATION = {"i386": "elf_i386", "x86_64": "elf_x86_64"}
LD_OPTIONS = ["-nostdlib", "-static", "-e", "0", "-z", "noexecstack", "-z", "norelro",
              "--build-id=none", "--no-warn-rwx-segments", "-z", "max-page-size=0x1000"]
LD_OWN_SECTIONS = [(".got", "*(.got) *(.igot)"), (".got.plt", "*(.got.plt) *(.igot.plt)"),
                   (".plt", "*(.plt) *(.iplt)")]


class ReferenceLinkError(RuntimeError):
    """ld could not link the object (its stderr is in the message)."""


@dataclass
class RefSection:
    name: str
    addr: int
    size: int
    type: str
    data: bytes


@dataclass
class ReferenceLink:
    """ld's output: sections by name, symbols (name → addresses), the GOT base, ld's time."""

    path: Path
    sections: dict[str, RefSection]
    symbols: dict[str, list[int]] = field(default_factory=dict)
    got_base: int | None = None
    seconds: float = 0.0

    def section_for(self, name: str) -> RefSection | None:
        """ld's output section holding kemu's section `name` (renamed ones included)."""
        return self.sections.get(SPECIAL_NAMES.get(name, name))

    def read(self, addr: int, size: int) -> bytes | None:
        """Bytes at an address of ld's allocated output, or None if no section holds them."""
        for s in self.sections.values():
            if s.addr and s.addr <= addr and addr + size <= s.addr + s.size:
                if s.type == "SHT_NOBITS":
                    return bytes(size)
                return s.data[addr - s.addr:addr - s.addr + size]
        return None


def gnu_ld() -> str | None:
    """Path of GNU ld, or None when it is not installed."""
    return shutil.which("ld")


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Sections ld rewrites by name (.eh_frame), replaces (its own build-id note) or recomputes
# (.note.gnu.property): renamed in the copy, same length so the string table is patched in place.
SPECIAL_NAMES = {name: ".K" + name[2:] for name in
                 (".eh_frame", ".note.gnu.build-id", ".note.gnu.property")}


def reference_copy(obj: ObjectFile) -> bytes:
    """The object's bytes with merging disabled and ld-edited sections renamed (see above)."""
    data = bytearray(obj.data)
    is64 = obj.elfclass == 64
    shoff = int.from_bytes(data[0x28:0x30] if is64 else data[0x20:0x24], "little")
    shentsize = 64 if is64 else 40
    flags_size = 8 if is64 else 4
    shstrndx = int.from_bytes(data[0x3E:0x40] if is64 else data[0x32:0x34], "little")
    if shstrndx == 0xFFFF:  # extended index lives in section 0's sh_link
        shstrndx = int.from_bytes(data[shoff + (40 if is64 else 24):][:4], "little")
    names = obj.sections[shstrndx] if shstrndx < len(obj.sections) else None
    for sec in obj.sections[1:]:
        at = shoff + sec.index * shentsize + 8
        flags = int.from_bytes(data[at:at + flags_size], "little") & ~(SHF_MERGE | SHF_STRINGS)
        data[at:at + flags_size] = flags.to_bytes(flags_size, "little")
        new = SPECIAL_NAMES.get(sec.name)
        if new and names is not None:
            name_off = int.from_bytes(data[shoff + sec.index * shentsize:][:4], "little")
            at = names.offset + name_off
            if data[at:at + len(sec.name)] == sec.name.encode():
                data[at:at + len(new)] = new.encode()
    return bytes(data)


def linker_script(obj: ObjectFile, image: LinkedImage, page_size: int = 0x1000) -> str:
    """A GNU ld script reproducing kemu's placement of `obj` (see module docstring)."""
    names = [p.name for p in image.placements if p.index >= 0]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{obj.name}: several sections are named {', '.join(dupes)}; a linker "
                         "script selects input sections by name, so ld cannot place them apart")
    lines = []
    for name, addr in sorted(image.imports.items()):
        if name != GOT_SYMBOL:
            lines.append(f"{_quote(name)} = {addr:#x};")
    st = obj.symtab
    for s in image.symbol_list:
        if int(st["shndx"][s.index]) == SHN_COMMON:
            lines.append(f"{_quote(s.name)} = {s.addr:#x};")
    lines.append("SECTIONS\n{")
    for p in sorted(image.placements, key=lambda p: p.addr):
        if p.index < 0:
            continue
        name = SPECIAL_NAMES.get(p.name, p.name)  # ld edits an *output* section named .eh_frame
        lines.append(f"  {_quote(name)} {p.addr:#x} : {{ *({_quote(name)}) }}")
    extra = align_up(image.base + image.size, page_size) + page_size
    first = True
    for name, inputs in LD_OWN_SECTIONS:
        where = f" {extra:#x}" if first else ""
        lines.append(f"  {name}{where} : {{ {inputs} }}")
        first = False
    lines.append("}")
    return "\n".join(lines) + "\n"


def link_with_gnu_ld(obj_path: str | Path, obj: ObjectFile, image: LinkedImage,
                     workdir: str | Path, ld: str | None = None) -> ReferenceLink:
    """Link `obj_path` with GNU ld at kemu's addresses; ReferenceLinkError if ld fails."""
    ld = ld or gnu_ld()
    if ld is None:
        raise ReferenceLinkError("GNU ld is not installed")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    stem = Path(obj_path).stem
    script = workdir / f"{stem}.kemu.ld"
    out = workdir / f"{stem}.ld.elf"
    copy = workdir / f"{stem}.ref.o"
    copy.write_bytes(reference_copy(obj))
    script.write_text(linker_script(obj, image))
    cmd = [ld, "-m", EMULATION[obj.arch], *LD_OPTIONS, "-T", str(script), "-o", str(out),
           str(copy)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise ReferenceLinkError(f"GNU ld failed on {obj_path} (script {script}):\n"
                                 f"{proc.stderr.strip()}")
    ref = read_reference(out)
    ref.seconds = seconds
    return ref


def read_reference(path: str | Path) -> ReferenceLink:
    """Read an executable ld wrote: section bytes by name, symbols, `_GLOBAL_OFFSET_TABLE_`."""
    path = Path(path)
    with open(path, "rb") as f:
        elf = ELFFile(f)
        sections: dict[str, RefSection] = {}
        for sec in elf.iter_sections():
            if not sec.name:
                continue
            data = b"" if sec["sh_type"] == "SHT_NOBITS" else sec.data()
            sections.setdefault(sec.name, RefSection(sec.name, sec["sh_addr"], sec["sh_size"],
                                                     sec["sh_type"], data))
        symbols: dict[str, list[int]] = {}
        symtab = elf.get_section_by_name(".symtab")
        if symtab is not None:
            for sym in symtab.iter_symbols():
                if sym.name and sym["st_info"]["type"] not in ("STT_SECTION", "STT_FILE"):
                    symbols.setdefault(sym.name, []).append(sym["st_value"])
    got = symbols.get(GOT_SYMBOL)
    return ReferenceLink(path, sections, symbols, got[0] if got else None)
