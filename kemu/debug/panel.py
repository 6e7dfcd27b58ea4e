"""The context panel shown after every stop: registers, code, source, stack, kernel calls.

Pure rendering: it takes the facts (register values and the previous ones, decoded
instructions, source lines, stack words, recent service calls) and returns text, in colour
for a terminal or plain for scripts and `--batch`. Changed registers are marked (`*` in plain
text, red in colour), the current instruction and source line with `=>` / `>`.

It fits the terminal: no line is wider than `width` columns (tabs expanded, long lines cut
with `…`), and the whole panel, with the two lines announcing the stop and the prompt under
it, fits `height` rows — 80×24 by default. Registers always show in full (x86-64: three per
row, six rows; i386: four per row, three rows); the rest of the rows are shared between
code, source, stack and services, each keeping a few lines around what is current.
"""
from __future__ import annotations

from dataclasses import dataclass, field

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
BLUE = "\x1b[34m"
CYAN = "\x1b[36m"

#: rows under the panel's own: the stop line, its source line and the prompt
RESERVED_ROWS = 3
#: the fewest lines a section keeps, and the most it asks for, in the order they get rows
_SECTION_LINES = {"code": (3, 10), "source": (3, 7), "stack": (2, 6), "services": (2, 5)}


@dataclass
class PanelData:
    arch: str
    registers: list[tuple[str, int]]                 # in display order
    previous: dict[str, int] | None                  # values at the last stop (None: first stop)
    code: list[tuple[bool, str, str, str]]           # (is_pc, address, <symbol+off>, text)
    source_title: str | None = None
    source: list[tuple[int, str, bool]] = field(default_factory=list)   # (line, text, is_current)
    stack: list[tuple[int, int, str | None]] = field(default_factory=list)  # (addr, value, label)
    services: list[str] = field(default_factory=list)
    width: int = 80
    height: int = 24


def _rule(title: str, width: int, color: bool) -> str:
    text = f"─── {title} "
    line = text + "─" * max(0, width - len(text))
    return f"{BLUE}{line}{RESET}" if color else line


def _fit(text: str, width: int) -> str:
    """One line as a terminal shows it: tabs expanded, cut to `width` columns with `…`."""
    text = text.expandtabs(8)
    return text if len(text) <= width else text[:width - 1] + "…"


def format_flags(value: int) -> str:
    """eflags' set bits named in ascending bit order, as gdb prints them (`[ PF ZF IF ]`)."""
    names = ((0, "CF"), (2, "PF"), (4, "AF"), (6, "ZF"), (7, "SF"), (8, "TF"), (9, "IF"),
             (10, "DF"), (11, "OF"), (14, "NT"), (16, "RF"), (17, "VM"), (18, "AC"), (19, "VIF"),
             (20, "VIP"), (21, "ID"))
    set_flags = [n for bit, n in names if value >> bit & 1]
    return "[ " + " ".join(set_flags) + " ]" if set_flags else "[ ]"


def _window(count: int, current: int | None, n: int) -> tuple[int, int]:
    """[lo, hi) of n items out of count keeping `current` in view, a third of them before it."""
    if count <= n:
        return 0, count
    if current is None:
        return 0, n
    lo = max(0, min(current - max(1, n // 3), count - n))
    return lo, lo + n


def _share_rows(wanted: dict[str, tuple[int, int]], rows: int) -> dict[str, int]:
    """Lines per section: each its minimum (as far as rows allow), then one more each in turn
    until rows or wants run out."""
    got = {}
    for name, (least, most) in wanted.items():
        got[name] = max(0, min(least, most, rows - sum(got.values())))
    while sum(got.values()) < rows:
        grew = False
        for name, (_least, most) in wanted.items():
            if got[name] < most and sum(got.values()) < rows:
                got[name] += 1
                grew = True
        if not grew:
            break
    return got


def _register_rows(d: PanelData, color: bool) -> list[str]:
    digits = 16 if d.arch == "x86_64" else 8
    per_row = 3 if d.arch == "x86_64" else 4
    cells: list[tuple[str, str]] = []      # (plain text, shown text) of each cell
    for name, value in d.registers:
        changed = d.previous is not None and d.previous.get(name) != value
        shown = f"{value:#x} {format_flags(value)}" if name == "eflags" else f"0x{value:0{digits}x}"
        plain = f"{name:>3} {shown}"
        if changed:
            cells.append((plain + "*", f"{RED}{BOLD}{plain}{RESET} " if color else plain + "*"))
        else:
            cells.append((plain + " ", plain + " "))
    rows: list[str] = []
    row: list[tuple[str, str]] = []
    for plain, shown in cells:
        width_so_far = sum(len(p) + 2 for p, _s in row)
        if len(row) == per_row or (row and width_so_far + len(plain) > d.width):
            rows.append("  ".join(s for _p, s in row).rstrip())
            row = []
        row.append((plain, shown))
    if row:
        rows.append("  ".join(s for _p, s in row).rstrip())
    return rows


def render_panel(d: PanelData, color: bool) -> str:
    w = d.width
    out: list[str] = [_rule("registers", w, color), *_register_rows(d, color)]
    sections = {"code": d.code, "source": d.source, "stack": d.stack, "services": d.services or ["(none called yet)"]}
    present = {name: _SECTION_LINES[name] for name, items in sections.items() if items}
    rows = max(0, d.height - RESERVED_ROWS - len(out) - len(present))     # a rule per section
    share = _share_rows({n: (lo, min(hi, len(sections[n]))) for n, (lo, hi) in present.items()}, rows)

    if d.code and share.get("code"):
        out.append(_rule("code", w, color))
        current = next((i for i, c in enumerate(d.code) if c[0]), None)
        lo, hi = _window(len(d.code), current, share["code"])
        for is_pc, addr, label, text in d.code[lo:hi]:
            lab = f" <{label}>" if label else ""
            line = _fit(f"{'=>' if is_pc else '  '} {addr}{lab}:  {text}", w)
            out.append(f"{GREEN}{BOLD}{line}{RESET}" if is_pc and color else line)
    if d.source and share.get("source"):
        out.append(_rule(f"source {d.source_title or ''}".rstrip(), w, color))
        current = next((i for i, s in enumerate(d.source) if s[2]), None)
        lo, hi = _window(len(d.source), current, share["source"])
        for number, text, is_current in d.source[lo:hi]:
            line = _fit(f"{'>' if is_current else ' '}{number:5d}  {text}", w)
            out.append(f"{YELLOW}{BOLD}{line}{RESET}" if is_current and color else line)
    if d.stack and share.get("stack"):
        out.append(_rule("stack", w, color))
        digits = 16 if d.arch == "x86_64" else 8
        for addr, value, label in d.stack[:share["stack"]]:
            lab = f" <{label}>" if label else ""
            out.append(_fit(f"0x{addr:0{digits}x}:  0x{value:0{digits}x}{lab}", w))
    if share.get("services"):
        out.append(_rule("kernel services (most recent last)", w, color))
        shown = sections["services"][-share["services"]:]
        for s in shown:
            line = _fit(s, w)
            out.append(f"{CYAN}{line}{RESET}" if color and d.services else line)
    return "\n".join(out)
