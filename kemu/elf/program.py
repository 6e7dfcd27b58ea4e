"""Program headers of an ET_DYN object: the PT_LOAD segments a loader maps and PT_DYNAMIC.

Only shared objects are read this way (a relocatable object's program header table, if any, is
ignored, as every loader of ET_REL modules ignores it). Checked like the section table: the
table inside the file, each PT_LOAD's file bytes inside the file and no larger than its memory,
segments in ascending, non-overlapping address order (as the gABI requires and FreeBSD's
link_elf.c relies on), a memory image of sane size, exactly one PT_DYNAMIC inside a PT_LOAD.
"""
from __future__ import annotations

import numpy as np

from .constants import PN_XNUM, PT_DYNAMIC, PT_LOAD, PT_TLS
from .header import Header
from .tables import ProgramHeader
from .sections import MAX_MEMORY_SIZE
from .source import Source

PHDR_DTYPE = {
    32: np.dtype([("type", "<u4"), ("offset", "<u4"), ("vaddr", "<u4"), ("paddr", "<u4"),
                  ("filesz", "<u4"), ("memsz", "<u4"), ("flags", "<u4"), ("align", "<u4")]),
    64: np.dtype([("type", "<u4"), ("flags", "<u4"), ("offset", "<u8"), ("vaddr", "<u8"),
                  ("paddr", "<u8"), ("filesz", "<u8"), ("memsz", "<u8"), ("align", "<u8")]),
}
_FIELD_OFFSET = {c: {n: PHDR_DTYPE[c].fields[n][1] for n in PHDR_DTYPE[c].names} for c in (32, 64)}


class ProgramTable:
    """The validated program headers (`headers`), the PT_LOAD ones (`loads`, by address) and
    the one PT_DYNAMIC (`dynamic`), with address → file offset translation."""

    def __init__(self, src: Source, header: Header) -> None:
        self.src = src
        self.elfclass = header.elfclass
        self.phoff = header.phoff
        self.phentsize = header.phentsize
        offs = header.field_offsets
        if header.phnum == 0 or header.phoff == 0:
            src.fail(f"an ET_DYN object needs program headers, but e_phnum is {header.phnum} "
                     f"and e_phoff {header.phoff:#x}", offset=offs["e_phnum"])
        if header.phnum == PN_XNUM:
            src.fail("e_phnum is PN_XNUM (0xffff): more than 65534 program headers is not a "
                     "kernel module", offset=offs["e_phnum"])
        entsize = PHDR_DTYPE[self.elfclass].itemsize
        if header.phentsize != entsize:
            src.fail(f"e_phentsize is {header.phentsize}, expected {entsize} for "
                     f"ELF{self.elfclass}", offset=offs["e_phentsize"])
        size = header.phnum * entsize
        if header.phoff > len(src.data) or size > len(src.data) - header.phoff:
            src.fail(f"e_phoff {header.phoff:#x}, e_phnum {header.phnum}: program header table "
                     f"at {header.phoff:#x}..{header.phoff + size:#x} lies outside the file "
                     f"({len(src.data):#x} bytes)", offset=offs["e_phoff"])
        raw = np.frombuffer(src.data, PHDR_DTYPE[self.elfclass], header.phnum, header.phoff)
        self.headers = [ProgramHeader(i, int(r["type"]), int(r["flags"]), int(r["offset"]),
                                      int(r["vaddr"]), int(r["filesz"]), int(r["memsz"]),
                                      int(r["align"])) for i, r in enumerate(raw)]
        self.loads = [ph for ph in self.headers if ph.type == PT_LOAD]
        self._check_loads()
        self.dynamic = self._the_dynamic_segment()

    def field_at(self, ph: ProgramHeader, field: str) -> int:
        return self.phoff + ph.index * self.phentsize + _FIELD_OFFSET[self.elfclass][field]

    def fail(self, ph: ProgramHeader, message: str, field: str) -> None:
        self.src.fail(message, offset=self.field_at(ph, field), segment=ph.where)

    def _check_loads(self) -> None:
        size_of_file = len(self.src.data)
        if not self.loads:
            self.src.fail("an ET_DYN object needs at least one PT_LOAD segment; it has none",
                          offset=self.phoff)
        for ph in self.headers:
            if ph.type == PT_TLS:
                self.fail(ph, "thread-local storage (PT_TLS) does not exist in a kernel", "type")
        previous = None
        for ph in self.loads:
            if ph.filesz > ph.memsz:
                self.fail(ph, f"p_filesz {ph.filesz:#x} is larger than p_memsz {ph.memsz:#x}",
                          "filesz")
            if ph.offset > size_of_file or ph.filesz > size_of_file - ph.offset:
                self.fail(ph, f"p_offset {ph.offset:#x} + p_filesz {ph.filesz:#x}: the segment's "
                              f"bytes lie outside the file ({size_of_file:#x} bytes)", "offset")
            if ph.align > 1 and ph.align & (ph.align - 1):
                self.fail(ph, f"p_align {ph.align:#x} is not a power of two", "align")
            if ph.memsz > MAX_MEMORY_SIZE or ph.end >= 1 << self.elfclass:
                self.fail(ph, f"p_vaddr {ph.vaddr:#x} + p_memsz {ph.memsz:#x} is absurd for a "
                              f"kernel module (at most {MAX_MEMORY_SIZE:#x} bytes in the "
                              f"{self.elfclass}-bit address space)", "memsz")
            if previous is not None and ph.vaddr < previous.end:
                self.fail(ph, f"p_vaddr {ph.vaddr:#x} lies below the end {previous.end:#x} of the "
                              f"previous PT_LOAD [{previous.index}]: segments must be in "
                              "ascending, non-overlapping address order", "vaddr")
            previous = ph
        span = self.loads[-1].end - self.loads[0].vaddr
        if span > MAX_MEMORY_SIZE:
            last = self.loads[-1]
            self.fail(last, f"the PT_LOAD segments span {span:#x} bytes, more than "
                            f"{MAX_MEMORY_SIZE:#x}", "vaddr")

    def _the_dynamic_segment(self) -> ProgramHeader:
        found = [ph for ph in self.headers if ph.type == PT_DYNAMIC]
        if not found:
            self.src.fail("an ET_DYN object needs a PT_DYNAMIC segment (it says what to "
                          "relocate); it has none", offset=self.phoff)
        if len(found) > 1:
            self.fail(found[1], f"second PT_DYNAMIC segment (the first is program header "
                                f"[{found[0].index}])", "type")
        dyn = found[0]
        if self.file_offset(dyn.vaddr, dyn.filesz) != dyn.offset:
            self.fail(dyn, f"p_vaddr {dyn.vaddr:#x} + p_filesz {dyn.filesz:#x}: the dynamic "
                           f"section does not lie in the file bytes of a PT_LOAD segment at "
                           f"p_offset {dyn.offset:#x}", "vaddr")
        return dyn

    def file_offset(self, vaddr: int, size: int) -> int | None:
        """File offset of [vaddr, vaddr+size) when it lies in one PT_LOAD's file bytes."""
        for ph in self.loads:
            if ph.vaddr <= vaddr and size <= ph.filesz and vaddr - ph.vaddr <= ph.filesz - size:
                return ph.offset + (vaddr - ph.vaddr)
        return None

    def load_of(self, vaddr: int) -> ProgramHeader | None:
        """The PT_LOAD whose memory image holds `vaddr`."""
        for ph in self.loads:
            if ph.vaddr <= vaddr < ph.end:
                return ph
        return None
