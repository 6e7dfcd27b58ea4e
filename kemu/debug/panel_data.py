"""Gathering what the context panel shows from the stopped machine (`panel` draws it).

Registers (marked against the previous stop's), the code around pc from its function's
start, the source lines around the current one, the top of the stack with module and stub
addresses symbolized, and the last kernel services the module called, from the kernel's trace.
"""
from __future__ import annotations

import os
import shutil

from kemu.debug.core import Debugger
from kemu.debug.disasm import code_window
from kemu.debug.panel import PanelData, render_panel


def register_snapshot(dbg: Debugger) -> dict[str, int]:
    """The panel's registers now, by name."""
    return {n: dbg.m.regs.read(n) for n in dbg.reg_names.shown}


def recent_services(kernel, n: int) -> list[str]:
    """The last n kernel service calls, decoded (`uiomove(buf=…, n=4, uio=…) = 0`)."""
    if kernel is None:
        return []
    try:
        calls = list(kernel.trace)[-n:]
    except Exception:
        return []
    return [c.format() if hasattr(c, "format") else str(c) for c in calls]


def _is_stub(machine, addr: int) -> bool:
    try:
        return machine.stub_at(addr) is not None
    except Exception:
        return False


def _env_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def terminal_size(out) -> tuple[int, int]:
    """(columns, rows) the panel must fit, at most 80 columns wide: the terminal's when `out`
    is one; otherwise (a script, `--batch`, a pipe) COLUMNS and LINES, or 80×24."""
    try:
        tty = out.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty:
        size = shutil.get_terminal_size((80, 24))
        columns, rows = size.columns, size.lines
    else:
        columns, rows = _env_int("COLUMNS", 80), _env_int("LINES", 24)
    return min(columns, 80), rows


def build_panel(dbg: Debugger, kernel, baseline: dict[str, int] | None, color: bool,
                size: tuple[int, int] = (80, 24)) -> str:
    """The context panel for the current stop; `baseline` holds the registers to mark changes
    against; `size` the (columns, rows) it must fit (`terminal_size`)."""
    symbols, m = dbg.symbols, dbg.m
    pc = dbg.pc
    regs = register_snapshot(dbg)
    code = [(insn_pc == pc, f"{insn_pc:#x}", label, text)
            for insn_pc, label, text in code_window(m, symbols, pc)]
    title = None
    source: list[tuple[int, str, bool]] = []
    loc = symbols.location(pc)
    if loc is not None:
        lines = symbols.source_lines(loc.file)
        if lines is not None:
            title = loc.basename
            lo = max(1, loc.line - 3)
            hi = min(len(lines), loc.line + 3)
            source = [(n, lines[n - 1], n == loc.line) for n in range(lo, hi + 1)]
    stack = []
    sp = dbg.sp
    for i in range(6):
        a = sp + i * dbg.word
        try:
            v = int.from_bytes(m.mem.read(a, dbg.word), "little")
        except Exception:
            break
        stack.append((a, v, symbols.label(v) if symbols.module_at(v) or _is_stub(m, v) else None))
    width, height = size
    data = PanelData(dbg.arch, [(n, regs[n]) for n in dbg.reg_names.shown], baseline,
                     code, title, source, stack, recent_services(kernel, 5), width, height)
    return render_panel(data, color)
