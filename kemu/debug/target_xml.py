"""Register layouts and GDB target descriptions (`target.xml`) for i386 and x86-64.

GDB asks the stub for `target.xml` (qXfer:features:read) to learn which registers exist,
their sizes and their order in the `g` packet. GDB's i386 code recognises the features
`org.gnu.gdb.i386.core` (general, segment and x87 registers) and `org.gnu.gdb.i386.sse`
(xmm and mxcsr) by name and checks the register names inside them, so the names and order
below follow GDB's numbering for each arch. The XML is generated from one register table,
so the `g` packet layout and the description can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape as _xml_escape


@dataclass(frozen=True)
class RegisterSpec:
    """One register as GDB sees it: name, size in bits, GDB type and feature."""
    name: str
    bits: int
    type: str
    feature: str
    group: str | None = None

    @property
    def size(self) -> int:
        return self.bits // 8


_CORE = "org.gnu.gdb.i386.core"
_SSE = "org.gnu.gdb.i386.sse"

_X87 = ("fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop")


def _layout(arch: str) -> tuple[RegisterSpec, ...]:
    regs: list[RegisterSpec] = []
    if arch == "i386":
        for name in ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"):
            t = "data_ptr" if name in ("esp", "ebp") else "int32"
            regs.append(RegisterSpec(name, 32, t, _CORE, "general"))
        regs.append(RegisterSpec("eip", 32, "code_ptr", _CORE, "general"))
        xmm_count = 8
    elif arch == "x86_64":
        for name in ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"):
            t = "data_ptr" if name in ("rsp", "rbp") else "int64"
            regs.append(RegisterSpec(name, 64, t, _CORE, "general"))
        for i in range(8, 16):
            regs.append(RegisterSpec(f"r{i}", 64, "int64", _CORE, "general"))
        regs.append(RegisterSpec("rip", 64, "code_ptr", _CORE, "general"))
        xmm_count = 16
    else:
        raise ValueError(f"no GDB register layout for arch {arch!r} (known: i386, x86_64)")
    regs.append(RegisterSpec("eflags", 32, "i386_eflags", _CORE, "general"))
    for name in ("cs", "ss", "ds", "es", "fs", "gs"):
        regs.append(RegisterSpec(name, 32, "int32", _CORE, "general"))
    for i in range(8):
        regs.append(RegisterSpec(f"st{i}", 80, "i387_ext", _CORE, "float"))
    for name in _X87:
        regs.append(RegisterSpec(name, 32, "int", _CORE, "float"))
    for i in range(xmm_count):
        regs.append(RegisterSpec(f"xmm{i}", 128, "vec128", _SSE, "vector"))
    regs.append(RegisterSpec("mxcsr", 32, "i386_mxcsr", _SSE, "vector"))
    return tuple(regs)


LAYOUTS: dict[str, tuple[RegisterSpec, ...]] = {a: _layout(a) for a in ("i386", "x86_64")}

GDB_ARCHITECTURE = {"i386": "i386", "x86_64": "i386:x86-64"}

# Bits of EFLAGS and MXCSR, as GDB names them when it shows `eflags [ PF ZF ]`.
_EFLAGS_BITS = (("CF", 0), ("", 1), ("PF", 2), ("AF", 4), ("ZF", 6), ("SF", 7), ("TF", 8),
                ("IF", 9), ("DF", 10), ("OF", 11), ("NT", 14), ("RF", 16), ("VM", 17),
                ("AC", 18), ("VIF", 19), ("VIP", 20), ("ID", 21))
_MXCSR_BITS = (("IE", 0), ("DE", 1), ("ZE", 2), ("OE", 3), ("UE", 4), ("PE", 5), ("DAZ", 6),
               ("IM", 7), ("DM", 8), ("ZM", 9), ("OM", 10), ("UM", 11), ("PM", 12), ("FZ", 15))


def register_layout(arch: str) -> tuple[RegisterSpec, ...]:
    """The registers of the `g` packet for an arch, in GDB's order."""
    try:
        return LAYOUTS[arch]
    except KeyError:
        raise ValueError(f"no GDB register layout for arch {arch!r} (known: i386, x86_64)") from None


def _flags(type_id: str, bits: tuple[tuple[str, int], ...]) -> list[str]:
    lines = [f'  <flags id="{type_id}" size="4">']
    for name, bit in bits:
        lines.append(f'    <field name="{name}" start="{bit}" end="{bit}"/>')
    lines.append("  </flags>")
    return lines


def _vector_types() -> list[str]:
    return [
        '  <vector id="v4f" type="ieee_single" count="4"/>',
        '  <vector id="v2d" type="ieee_double" count="2"/>',
        '  <vector id="v16i8" type="int8" count="16"/>',
        '  <vector id="v8i16" type="int16" count="8"/>',
        '  <vector id="v4i32" type="int32" count="4"/>',
        '  <vector id="v2i64" type="int64" count="2"/>',
        '  <union id="vec128">',
        '    <field name="v4_float" type="v4f"/>',
        '    <field name="v2_double" type="v2d"/>',
        '    <field name="v16_int8" type="v16i8"/>',
        '    <field name="v8_int16" type="v8i16"/>',
        '    <field name="v4_int32" type="v4i32"/>',
        '    <field name="v2_int64" type="v2i64"/>',
        '    <field name="uint128" type="uint128"/>',
        '  </union>',
    ]


def target_xml(arch: str) -> str:
    """The complete target description document GDB reads as `target.xml`."""
    layout = register_layout(arch)
    lines = ['<?xml version="1.0"?>',
             '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
             '<target version="1.0">',
             f"  <architecture>{GDB_ARCHITECTURE[arch]}</architecture>"]
    current_feature = None
    for regnum, reg in enumerate(layout):
        if reg.feature != current_feature:
            if current_feature is not None:
                lines.append("</feature>")
            lines.append(f'<feature name="{reg.feature}">')
            if reg.feature == _CORE:
                lines.extend(_flags("i386_eflags", _EFLAGS_BITS))
            else:
                lines.extend(_vector_types())
                lines.extend(_flags("i386_mxcsr", _MXCSR_BITS))
            current_feature = reg.feature
        attrs = f'name="{_xml_escape(reg.name)}" bitsize="{reg.bits}" type="{reg.type}" regnum="{regnum}"'
        if reg.group:
            attrs += f' group="{reg.group}"'
        lines.append(f"  <reg {attrs}/>")
    lines.append("</feature>")
    lines.append("</target>")
    return "\n".join(lines) + "\n"
