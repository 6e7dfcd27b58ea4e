"""The link map: where every section, symbol and import went (`kemu link --map`)."""
from __future__ import annotations

from kemu.printable import printable

from .image import LinkedImage


def format_map(image: LinkedImage) -> str:
    """A plain-text map: segments, placements in address order, symbols by address, imports.
    Every name from the object is shown with control bytes escaped."""
    width = 16 if image.arch == "x86_64" else 8
    hx = lambda v: f"0x{v:0{width}x}"  # noqa: E731
    lines = [f"Image {printable(image.name or '')} ({image.arch}): {hx(image.base)}..{hx(image.base + image.size)}"
             f" ({image.size:#x} bytes)", "", "Segments:"]
    for seg in image.segments:
        lines.append(f"  {hx(seg.addr)}  {seg.size:#10x}  {seg.prot}  {seg.kind}")
    lines += ["", "Sections:", f"  {'address':<{width + 2}}  {'size':>10}  {'align':>6}  kind    name"]
    for p in sorted(image.placements, key=lambda p: (p.addr, p.index)):
        origin = f"[{p.index}] " if p.index >= 0 else "(linker) "
        lines.append(f"  {hx(p.addr)}  {p.size:#10x}  {p.align:>6}  {p.kind:<6}  {origin}{printable(p.name)}")
    lines += ["", "Symbols:"]
    for s in sorted(image.symbol_list, key=lambda s: (s.addr, s.name)):
        home = image.placement_of(s.addr)
        where = f"{printable(home.name)}+{s.addr - home.addr:#x}" if home else "absolute"
        lines.append(f"  {hx(s.addr)}  {s.size:#8x}  {s.bind:<6}  {s.type:<6}  "
                     f"{printable(s.name)}  ({where})")
    if image.imports or image.weak_unresolved:
        lines += ["", "Imports:"]
        for name, addr in sorted(image.imports.items(), key=lambda kv: (kv[1], kv[0])):
            lines.append(f"  {hx(addr)}  {printable(name)}")
        for name in image.weak_unresolved:
            lines.append(f"  {hx(0)}  {printable(name)}  (weak, unresolved)")
    return "\n".join(lines) + "\n"
