"""C struct layouts computed the way the x86 compilers lay them out.

A personality describes a kernel structure with its C declaration — exactly what its headers in
`guest/` say — and gets field offsets and sizes for i386 and x86-64 without writing numbers by
hand: `StructLayout.parse("i386", "struct uio { struct iovec *uio_iov; int uio_iovcnt; ... }")`.
Alignment follows the System V ABIs: on i386 a 64-bit scalar inside a struct is aligned to 4
(so `off_t uio_offset` sits at offset 8 after two 4-byte fields), on x86-64 everything is
naturally aligned.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Mapping

from .prototype import PrototypeError, TypeInfo, parse_prototype

_WORD = {"i386": 4, "x86_64": 8}


def strip_comments(text: str) -> str:
    """C text without /* */ and // comments (each replaced by a space)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def extract_struct(header_text: str, name: str) -> str:
    """The `struct name { ... };` definition inside a header's text (comments removed).

    Lets a personality lay out structures straight from its guest headers, so the C the module
    is compiled against and the layout kemu uses cannot drift apart.
    """
    text = strip_comments(header_text)
    m = re.search(r"\bstruct\s+" + re.escape(name) + r"\s*\{", text)
    if not m:
        raise PrototypeError(f"no definition of struct {name} in the header text")
    depth, i = 0, m.end() - 1
    while i < len(text):
        depth += text[i] == "{"
        depth -= text[i] == "}"
        i += 1
        if depth == 0:
            break
    if depth:
        raise PrototypeError(f"struct {name}: unbalanced braces in the header text")
    return text[m.start():i] + ";"


@dataclass(frozen=True)
class Field:
    name: str
    offset: int
    size: int
    signed: bool
    pointer: bool
    ctype: str

    @property
    def fmt(self) -> str:
        """`struct` module format for this field (little-endian)."""
        code = {1: "b", 2: "h", 4: "i", 8: "q"}[self.size]
        return "<" + (code if self.signed else code.upper())


@dataclass(frozen=True)
class StructLayout:
    """Offsets of a struct's scalar and pointer fields on one arch."""

    name: str
    arch: str
    size: int
    align: int
    fields: tuple[Field, ...]

    def __getitem__(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"struct {self.name} ({self.arch}) has no field {name!r}")

    def offset(self, name: str) -> int:
        return self[name].offset

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.fields)

    def pack(self, **values: int) -> bytes:
        """The struct's bytes with the given fields set and everything else zero."""
        buf = bytearray(self.size)
        for name, value in values.items():
            f = self[name]
            buf[f.offset:f.offset + f.size] = (value & ((1 << (8 * f.size)) - 1)).to_bytes(f.size, "little")
        return bytes(buf)

    def unpack(self, data: bytes) -> dict[str, int]:
        """All fields of the struct read from its bytes."""
        if len(data) < self.size:
            raise ValueError(f"struct {self.name}: need {self.size} bytes, got {len(data)}")
        return {f.name: struct.unpack_from(f.fmt, data, f.offset)[0] for f in self.fields}

    @classmethod
    def from_header(cls, arch: str, header_text: str, name: str,
                    typedefs: Mapping[str, TypeInfo] | None = None) -> "StructLayout":
        """Lay out `struct name` as defined in a C header's text."""
        return cls.parse(arch, extract_struct(header_text, name), typedefs)

    @classmethod
    def parse(cls, arch: str, declaration: str,
              typedefs: Mapping[str, TypeInfo] | None = None) -> "StructLayout":
        """Lay out `struct name { type field; ... }` for `arch`.

        Fields may be scalars, pointers (including function pointers) and fixed arrays of
        scalars (`char name[32]`, laid out as one field of the element type repeated; only its
        first element is addressable as a field). Nested structs by value are not supported:
        declare them as separate fields.
        """
        if arch not in _WORD:
            raise ValueError(f"unknown arch {arch!r}")
        declaration = strip_comments(declaration)
        m = re.fullmatch(r"\s*struct\s+([A-Za-z_]\w*)\s*\{(.*)\}\s*;?\s*", declaration, re.S)
        if not m:
            raise PrototypeError(f"struct declaration {declaration[:40]!r}...: expected "
                                 f"'struct name {{ fields }}'")
        name, body = m.group(1), m.group(2)
        fields: list[Field] = []
        offset = 0
        max_align = 1
        for raw in body.split(";"):
            decl = " ".join(raw.split())
            if not decl:
                continue
            count = 1
            am = re.fullmatch(r"(.*?)\[\s*(\d+)\s*\]", decl)
            if am:
                decl, count = am.group(1), int(am.group(2))
            try:
                param = parse_prototype(f"void __f({decl})", typedefs).params[0]
            except PrototypeError as exc:
                raise PrototypeError(f"struct {name}: field {decl!r}: {exc}") from None
            ct = param.ctype
            size = ct.size(arch)
            align = size if arch == "x86_64" else min(size, 4)
            offset = (offset + align - 1) // align * align
            fields.append(Field(param.name, offset, size, ct.signed, ct.pointer, ct.spelling))
            offset += size * count
            max_align = max(max_align, align)
        total = (offset + max_align - 1) // max_align * max_align
        return cls(name, arch, total, max_align, tuple(fields))
