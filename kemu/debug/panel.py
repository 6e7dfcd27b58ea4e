"""The context panel shown after every stop: registers, code, source, stack, kernel calls.

Pure rendering: it takes the facts (register values and the previous ones, decoded
instructions, source lines, stack words, recent service calls) and returns text, in colour
for a terminal or plain for scripts and `--batch`. Changed registers are marked (`*` in plain
text, red in colour), the current instruction and source line with `=>` / `>`.
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
    width: int = 78


def _rule(title: str, width: int, color: bool) -> str:
    text = f"─── {title} "
    line = text + "─" * max(0, width - len(text))
    return f"{BLUE}{line}{RESET}" if color else line


def format_flags(value: int) -> str:
    """eflags' set bits named in ascending bit order, as gdb prints them (`[ PF ZF IF ]`)."""
    names = ((0, "CF"), (2, "PF"), (4, "AF"), (6, "ZF"), (7, "SF"), (8, "TF"), (9, "IF"),
             (10, "DF"), (11, "OF"), (14, "NT"), (16, "RF"), (17, "VM"), (18, "AC"), (19, "VIF"),
             (20, "VIP"), (21, "ID"))
    set_flags = [n for bit, n in names if value >> bit & 1]
    return "[ " + " ".join(set_flags) + " ]" if set_flags else "[ ]"


def render_panel(d: PanelData, color: bool) -> str:
    out: list[str] = []
    w = d.width
    digits = 16 if d.arch == "x86_64" else 8
    # registers, several per row
    out.append(_rule("registers", w, color))
    cells = []
    for name, value in d.registers:
        changed = d.previous is not None and d.previous.get(name) != value
        if name == "eflags":
            shown = f"{value:#x} {format_flags(value)}"
        else:
            shown = f"0x{value:0{digits}x}"
        cell = f"{name:>6} {shown}"
        if changed:
            cell = f"{RED}{BOLD}{cell}{RESET}" if color else cell + "*"
        else:
            cell = cell + " "
        cells.append((cell, name == "eflags"))
    per_row = 3 if d.arch == "x86_64" else 4
    row: list[str] = []
    for cell, wide in cells:
        if wide:
            if row:
                out.append("  ".join(row).rstrip())
                row = []
            out.append(cell.rstrip())
            continue
        row.append(cell)
        if len(row) == per_row:
            out.append("  ".join(row).rstrip())
            row = []
    if row:
        out.append("  ".join(row).rstrip())
    # code
    out.append(_rule("code", w, color))
    for is_pc, addr, label, text in d.code:
        lab = f" <{label}>" if label else ""
        line = f"{'=>' if is_pc else '  '} {addr}{lab}:  {text}"
        if is_pc and color:
            line = f"{GREEN}{BOLD}{line}{RESET}"
        out.append(line)
    # source
    if d.source:
        out.append(_rule(f"source {d.source_title or ''}".rstrip(), w, color))
        for number, text, current in d.source:
            line = f"{'>' if current else ' '}{number:5d}  {text}"
            if current and color:
                line = f"{YELLOW}{BOLD}{line}{RESET}"
            out.append(line)
    # stack
    if d.stack:
        out.append(_rule("stack", w, color))
        for addr, value, label in d.stack:
            lab = f" <{label}>" if label else ""
            out.append(f"0x{addr:0{digits}x}:  0x{value:0{digits}x}{lab}")
    # services
    out.append(_rule("kernel services (most recent last)", w, color))
    if d.services:
        for s in d.services:
            out.append(f"{CYAN}{s}{RESET}" if color else s)
    else:
        out.append("(none called yet)")
    out.append(f"{BLUE}{'─' * w}{RESET}" if color else "─" * w)
    return "\n".join(out)
