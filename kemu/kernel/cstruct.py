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
from typing import Any, Callable, Mapping

from kemu.arch import WORD_SIZE
from kemu.intbits import align_up
from kemu.record import Record

from .prototype import PrototypeError, TypeInfo, parse_prototype


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


class Field(Record, fields=("name", "offset", "size", "signed", "pointer", "ctype", "count",
                            "aggregate"), frozen=True):
    """One member. Scalars and pointers have `size` 1, 2, 4 or 8 (an array's element size,
    `count` elements); a nested struct or union by value is an `aggregate` of its whole size,
    and its own members appear as fields named `outer.inner` at their absolute offsets."""

    def __init__(self, name: str, offset: int, size: int, signed: bool, pointer: bool, ctype: str,
                 count: int = 1, aggregate: bool = False) -> None:
        vars(self).update(name=name, offset=offset, size=size, signed=signed, pointer=pointer,
                          ctype=ctype, count=count, aggregate=aggregate)

    @property
    def scalar(self) -> bool:
        return not self.aggregate

    @property
    def fmt(self) -> str:
        """`struct` module format for this field (little-endian)."""
        code = {1: "b", 2: "h", 4: "i", 8: "q"}[self.size]
        return "<" + (code if self.signed else code.upper())


class StructLayout(Record, fields=("name", "arch", "size", "align", "fields"), frozen=True):
    """Offsets of a struct's scalar and pointer fields on one arch."""

    def __init__(self, name: str, arch: str, size: int, align: int, fields: tuple[Field, ...]) -> None:
        # _by_name: name -> Field, for pack() and lookups on per-system-call paths (not a
        # field: equality stays the layout's)
        vars(self).update(name=name, arch=arch, size=size, align=align, fields=fields,
                          _by_name={f.name: f for f in reversed(fields)})

    def __getitem__(self, name: str) -> Field:
        try:
            return self._by_name[name]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"struct {self.name} ({self.arch}) has no field {name!r}") from None

    def offset(self, name: str) -> int:
        return self[name].offset

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._by_name  # type: ignore[attr-defined]

    def pack(self, **values: int) -> bytes:
        """The struct's bytes with the given fields set and everything else zero."""
        buf = bytearray(self.size)
        for name, value in values.items():
            f = self[name]
            buf[f.offset:f.offset + f.size] = (value & ((1 << (8 * f.size)) - 1)).to_bytes(f.size, "little")
        return bytes(buf)

    def codec(self, *names: str) -> "FieldCodec":
        """A codec reading and rewriting the named fields with one unpack and one pack."""
        return FieldCodec(self, names)

    def unpack(self, data: bytes) -> dict[str, int]:
        """All scalar fields of the struct read from its bytes."""
        if len(data) < self.size:
            raise ValueError(f"struct {self.name}: need {self.size} bytes, got {len(data)}")
        return {f.name: struct.unpack_from(f.fmt, data, f.offset)[0] for f in self.fields if f.scalar}

    def read(self, mem: Any, base: int, name: str) -> int:
        """A scalar member of the struct at guest address `base` (through a kemu memory)."""
        f = self[name]
        return int.from_bytes(mem.read(base + f.offset, f.size), "little", signed=f.signed)

    def write(self, mem: Any, base: int, name: str, value: int) -> None:
        """Store a scalar member of the struct at `base`, wrapped to its width as C would."""
        f = self[name]
        mem.write(base + f.offset, (value & ((1 << (8 * f.size)) - 1)).to_bytes(f.size, "little"))

    @classmethod
    def from_header(cls, arch: str, header_text: str, name: str,
                    typedefs: Mapping[str, TypeInfo] | None = None) -> "StructLayout":
        """Lay out `struct name` as defined in a C header's text."""
        return cls.parse(arch, extract_struct(header_text, name), typedefs)

    @classmethod
    def parse(cls, arch: str, declaration: str, typedefs: Mapping[str, TypeInfo] | None = None,
              structs: Mapping[str, "StructLayout"] | None = None) -> "StructLayout":
        """Lay out `struct name { type field; ... }` (or `union name { ... }`) for `arch`.

        Fields may be scalars, pointers (including function pointers), fixed arrays of
        scalars (`char name[32]`: one field of the element type, `count` 32; only its first
        element is addressable) and structs or unions by value whose layouts are in `structs`
        (`struct cdevsw cdev;`: an aggregate field plus `cdev.d_open` … at absolute offsets).
        """
        if arch not in WORD_SIZE:
            raise ValueError(f"unknown arch {arch!r}")
        declaration = strip_comments(declaration)
        m = re.fullmatch(r"\s*(struct|union)\s+([A-Za-z_]\w*)\s*\{(.*)\}\s*;?\s*", declaration, re.S)
        if not m:
            raise PrototypeError(f"struct declaration {declaration[:40]!r}...: expected "
                                 f"'struct name {{ fields }}' or 'union name {{ fields }}'")
        union, name, body = m.group(1) == "union", m.group(2), m.group(3)
        fields: list[Field] = []
        offset = end = 0
        max_align = 1
        for raw in body.split(";"):
            decl = " ".join(raw.split())
            if not decl:
                continue
            count = 1
            am = re.fullmatch(r"(.*?)\[\s*(\d+)\s*\]", decl)
            if am:
                decl, count = am.group(1), int(am.group(2))
            nested = re.fullmatch(r"(?:struct|union) ([A-Za-z_]\w*) ([A-Za-z_]\w*)", decl)
            if nested:
                inner = (structs or {}).get(nested.group(1))
                if inner is None:
                    raise PrototypeError(f"struct {name}: field {decl!r}: the layout of "
                                         f"{nested.group(1)} by value is not known")
                at = 0 if union else align_up(offset, inner.align)
                fields.append(Field(nested.group(2), at, inner.size * count, False, False,
                                    decl.rsplit(" ", 1)[0], count, aggregate=True))
                fields.extend(Field(f"{nested.group(2)}.{f.name}", at + f.offset, f.size, f.signed,
                                    f.pointer, f.ctype, f.count, f.aggregate) for f in inner.fields)
                size, align = inner.size, inner.align
            else:
                try:
                    param = parse_prototype(f"void __f({decl})", typedefs).params[0]
                except PrototypeError as exc:
                    raise PrototypeError(f"struct {name}: field {decl!r}: {exc}") from None
                ct = param.ctype
                size = ct.size(arch)
                align = size if arch == "x86_64" else min(size, 4)
                at = 0 if union else align_up(offset, align)
                fields.append(Field(param.name, at, size, ct.signed, ct.pointer, ct.spelling, count))
            end = max(end, at + size * count)
            offset = end
            max_align = max(max_align, align)
        return cls(name, arch, align_up(end, max_align), max_align, tuple(fields))


class CStruct:
    """A C struct or union declaration, laid out for each arch on first use.

    A personality declares each structure it shares with modules once, as C text copied from
    its guest headers' meaning (`CStruct("struct uio { struct iovec *uio_iov; ... };",
    source="NetBSD 1.6 sys/uio.h")`), naming the declarations of structs it embeds by value in
    `uses`; `layout(arch)` gives the StructLayout. Tests compile the guest headers and check
    every offset against it, so the C and kemu's view cannot drift apart.
    """

    def __init__(self, declaration: str, *, uses: "tuple[CStruct, ...]" = (),
                 typedefs: Mapping[str, TypeInfo] | None = None, source: str = ""):
        m = re.search(r"\b(struct|union)\s+([A-Za-z_]\w*)", strip_comments(declaration))
        if not m:
            raise PrototypeError(f"not a struct or union declaration: {declaration[:40]!r}")
        self.keyword, self.name = m.group(1), m.group(2)
        self.declaration = declaration
        self.uses = uses
        self.typedefs = typedefs
        self.source = source
        self._layouts: dict[str, StructLayout] = {}

    def layout(self, arch: str) -> StructLayout:
        cached = self._layouts.get(arch)
        if cached is None:
            if arch not in WORD_SIZE:
                raise ValueError(f"{self.keyword} {self.name}: unknown arch {arch!r}")
            structs = {u.name: u.layout(arch) for u in self.uses}
            cached = self._layouts[arch] = StructLayout.parse(arch, self.declaration, self.typedefs,
                                                              structs)
        return cached

    def __repr__(self) -> str:
        return f"<CStruct {self.keyword} {self.name}>"


class FieldCodec:
    """Some fields of a struct, read with one `struct.Struct` unpack and written with one pack.

    Hot kernel paths (uiomove runs once per 4-byte Fibonacci number) read several fields of
    a guest structure and write some back. Field by field that is one guest memory access
    per field; the codec covers the span from the first to the last named field instead,
    keeping the bytes in between (other fields, padding) as opaque byte strings, so writing
    the span back changes only the named fields.

    `read(buffer, offset)` decodes the struct at `offset` in a host buffer into the named
    fields' values, in the order given, followed by the raw tuple of the span;
    `write(buffer, offset, raw, *values)` stores the span back with the named fields replaced,
    each wrapped to its width and signedness as a C store would. Both are generated once per
    codec as straight-line code.
    """

    def __init__(self, layout: StructLayout, names: tuple[str, ...]) -> None:
        if not names:
            raise ValueError(f"struct {layout.name}: a codec needs at least one field")
        if len(set(names)) != len(names):
            raise ValueError(f"struct {layout.name}: codec fields {names} name a field twice")
        fields = [layout[n] for n in names]
        self.names = names
        self.start = min(f.offset for f in fields)
        fmt, pos, items, slot_of = "<", self.start, 0, {}
        for f in sorted(fields, key=lambda f: f.offset):
            if f.offset < pos:
                raise ValueError(f"struct {layout.name}: field {f.name} overlaps the field before it")
            if f.offset > pos:
                fmt += f"{f.offset - pos}s"        # whatever lies between, kept as it is
                items += 1
            slot_of[f.name] = items
            fmt += f.fmt[1:]
            items += 1
            pos = f.offset + f.size
        self.size = pos - self.start
        self.struct = struct.Struct(fmt)
        slots = [slot_of[n] for n in names]
        values = [f"raw[{i}]" for i in range(items)]
        for k, (slot, f) in enumerate(zip(slots, fields)):
            mask = (1 << (8 * f.size)) - 1
            if f.signed:
                half = 1 << (8 * f.size - 1)
                values[slot] = f"((v{k} + {half:#x}) & {mask:#x}) - {half:#x}"
            else:
                values[slot] = f"v{k} & {mask:#x}"
        params = ", ".join(f"v{k}" for k in range(len(names)))
        source = (f"def read(buffer, offset):\n"
                  f"    raw = unpack_from(buffer, offset + {self.start})\n"
                  f"    return {', '.join(f'raw[{i}]' for i in slots)}, raw\n"
                  f"def write(buffer, offset, raw, {params}):\n"
                  f"    pack_into(buffer, offset + {self.start}, {', '.join(values)})\n")
        namespace: dict = {"unpack_from": self.struct.unpack_from, "pack_into": self.struct.pack_into}
        exec(compile(source, f"<kemu FieldCodec struct {layout.name} {names}>", "exec"), namespace)
        self.read: Callable[[Any, int], tuple] = namespace["read"]
        self.write: Callable[..., None] = namespace["write"]
