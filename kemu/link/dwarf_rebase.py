"""Moving a shared object's DWARF to where it was loaded (FreeBSD's i386 klds are ET_DYN).

A relocatable object's debug sections are relocated like its code (dwarf_image.py). A shared
object's carry no relocations: every address in them is a link-time virtual address, and the
loader put vaddr v at v + bias. pyelftools cannot read DWARF at a bias, so the address fields
themselves are rewritten, in a copy, by adding the bias:

- `.debug_info`: every DW_FORM_addr attribute (DW_AT_low_pc, DW_AT_entry_pc …) and the operand
  of every DW_OP_addr in an expression held in the DIE (exprloc and block forms). A compile
  unit's DW_AT_low_pc is its base address, so the entries of `.debug_ranges` and `.debug_loc`,
  which count from it, follow without being touched;
- `.debug_line`: the operand of each DW_LNE_set_address;
- `.debug_aranges`: each range's start;
- `.debug_frame`: each FDE's initial location (`.eh_frame` encodes pc-relative, which
  pyelftools decodes against the section address dwarf_image.py already set).

Limits (an error names them rather than decoding wrongly): DWARF 5's address table
(`.debug_addr`) and an absolute base-address-selection entry in `.debug_ranges`/`.debug_loc`
are not rewritten; DWARF 2–4 as gcc and clang emit it for these modules is.
"""
from __future__ import annotations

import io
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elftools.dwarf.dwarfinfo import DWARFInfo

DW_FORM_ADDR = "DW_FORM_addr"
EXPRESSION_FORMS = {"DW_FORM_exprloc": "uleb", "DW_FORM_block": "uleb", "DW_FORM_block1": 1,
                    "DW_FORM_block2": 2, "DW_FORM_block4": 4}
DW_OP_ADDR = 0x03
DW_LNE_SET_ADDRESS = 0x02
DW_LNS_FIXED_ADVANCE_PC = 0x09


class RebaseError(Exception):
    """The debug information uses a form this rebaser does not move; the message says which."""


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


class _Patch:
    """Adds the bias to address-sized fields of one section's bytes."""

    def __init__(self, data: bytearray, start: int, word: int, bias: int):
        self.data, self.start, self.word, self.bias = data, start, word, bias
        self.fmt = "<I" if word == 4 else "<Q"
        self.mask = (1 << (8 * word)) - 1

    def add(self, offset: int) -> None:
        at = self.start + offset
        value = struct.unpack_from(self.fmt, self.data, at)[0]
        struct.pack_into(self.fmt, self.data, at, (value + self.bias) & self.mask)


def _expression_addresses(expr: bytes, word: int) -> list[int]:
    """Offsets (within expr) of the operands of DW_OP_addr; other operations are skipped
    with pyelftools' own expression parser, so their operands are never mistaken for one."""
    from elftools.dwarf.dwarf_expr import DWARFExprParser
    from elftools.dwarf.structs import DWARFStructs
    structs = DWARFStructs(little_endian=True, dwarf_format=32, address_size=word)
    return [op.offset + 1 for op in DWARFExprParser(structs).parse_expr(list(expr))
            if op.op == DW_OP_ADDR]


def _rebase_info(dwarf: "DWARFInfo", patch: _Patch) -> None:
    for cu in dwarf.iter_CUs():
        if cu["version"] >= 5:
            raise RebaseError(f"DWARF {cu['version']} (.debug_addr) is not moved")
        for die in cu.iter_DIEs():
            for attr in die.attributes.values():
                if attr.form == DW_FORM_ADDR:
                    patch.add(attr.offset)
                elif attr.form in EXPRESSION_FORMS and isinstance(attr.value, list):
                    size = EXPRESSION_FORMS[attr.form]
                    raw = bytes(patch.data[patch.start + attr.offset:patch.start + attr.offset + 9])
                    body = _uleb(raw, 0)[1] if size == "uleb" else size
                    for at in _expression_addresses(bytes(attr.value), patch.word):
                        patch.add(attr.offset + body + at)


def _rebase_line(dwarf: "DWARFInfo", patch: _Patch) -> None:
    data = bytes(patch.data)
    for cu in dwarf.iter_CUs():
        program = dwarf.line_program_for_CU(cu)
        if program is None:
            continue
        opcode_base = program["opcode_base"]
        lengths = program["standard_opcode_lengths"]
        pos, end = patch.start + program.program_start_offset, patch.start + program.program_end_offset
        while pos < end:
            opcode = data[pos]
            pos += 1
            if opcode >= opcode_base:
                continue
            if opcode == 0:
                length, pos = _uleb(data, pos)
                if data[pos] == DW_LNE_SET_ADDRESS:
                    patch.add(pos + 1 - patch.start)
                pos += length
            elif opcode == DW_LNS_FIXED_ADVANCE_PC:
                pos += 2
            else:
                for _ in range(lengths[opcode - 1]):
                    pos = _uleb(data, pos)[1]


def _rebase_aranges(data: bytearray, start: int, size: int, patch: _Patch) -> None:
    pos, end = start, start + size
    while pos + 12 <= end:
        unit_length = struct.unpack_from("<I", data, pos)[0]
        unit_end = pos + 4 + unit_length
        address_size = data[pos + 10]
        if address_size != patch.word:
            raise RebaseError(f".debug_aranges address size {address_size}")
        tuple_size = 2 * address_size
        at = pos + 12
        at += (-(at - pos)) % tuple_size
        while at + tuple_size <= unit_end:
            addr, length = struct.unpack_from("<" + patch.fmt[1] * 2, data, at)
            if addr == 0 and length == 0:
                break
            patch.add(at - patch.start)
            at += tuple_size
        pos = unit_end


def _rebase_frame(dwarf: "DWARFInfo", patch: _Patch) -> None:
    from elftools.dwarf.callframe import FDE
    for entry in dwarf.CFI_entries():
        if isinstance(entry, FDE):
            patch.add(entry.offset + 8)       # 32-bit length, CIE pointer, then the address


def rebase_dwarf(image_bytes: bytearray, sections: dict[str, tuple[int, int]], word: int,
                 bias: int) -> None:
    """Add `bias` to every address field of the debug sections in `image_bytes` (an ELF file
    whose section `name` lies at (offset, size) in `sections`). Raises RebaseError."""
    from elftools.elf.elffile import ELFFile
    original = bytes(image_bytes)
    dwarf = ELFFile(io.BytesIO(original)).get_dwarf_info(relocate_dwarf_sections=False)
    if ".debug_info" in sections:
        _rebase_info(dwarf, _Patch(image_bytes, sections[".debug_info"][0], word, bias))
    if ".debug_line" in sections:
        _rebase_line(dwarf, _Patch(image_bytes, sections[".debug_line"][0], word, bias))
    if ".debug_aranges" in sections:
        start, size = sections[".debug_aranges"]
        _rebase_aranges(image_bytes, start, size, _Patch(image_bytes, start, word, bias))
    if ".debug_frame" in sections:
        _rebase_frame(dwarf, _Patch(image_bytes, sections[".debug_frame"][0], word, bias))
