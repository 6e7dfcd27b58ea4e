"""The context panel after a stop: registers (changes marked), symbolized code, source, stack, services."""
import re

import pytest

from kemu.debug.panel import PanelData, render_panel

from debug_helpers import ARCHES, after, run_session


def _sections(panel: str) -> dict[str, str]:
    parts = re.split(r"^─── (.+?) ─+$", panel, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("arch", ARCHES)
def test_panel_at_the_uiomove_call_in_fibo_read(arch, monkeypatch):
    monkeypatch.setenv("LINES", "40")          # room for the whole code window
    text = run_session(arch, ["set context off", "continue", "mknod /dev/fibo0 c 29 0",
                              "break fibo.c:159", "od -N 4 -t u4 /dev/fibo0", "stepi 2", "context",
                              "delete", "continue"], debug=True)
    sections = _sections(after(text, "context"))
    assert set(sections) >= {"registers", "code", "source fibo.c", "stack", "kernel services (most recent last)"}
    pc = "eip" if arch == "i386" else "rip"
    assert re.search(rf"\b{pc} 0x[0-9a-f]+\*", sections["registers"])       # changed since the last stop
    assert re.search(r"^=> 0x[0-9a-f]+ <fibo_read\+\d+>:", sections["code"], re.M)
    assert re.search(r"call\s+uiomove$", sections["code"], re.M)             # never a bare stub address
    assert re.search(r"^>  159                  if \(\(error = uiomove\(", sections["source fibo.c"], re.M)
    assert re.search(r"^0x[0-9a-f]+:  0x[0-9a-f]+", sections["stack"], re.M)
    assert re.search(r"^lkmdispatch\(lkmtp=0x[0-9a-f]+, cmd=1\) = 0$",
                     sections["kernel services (most recent last)"], re.M)


@pytest.mark.parametrize("arch", ARCHES)
def test_services_panel_shows_string_arguments_as_they_were_at_the_call(arch):
    text = run_session(arch, ["set context off", "break lkmdispatch", "continue", "context", "delete", "continue"])
    services = _sections(after(text, "context"))["kernel services (most recent last)"]
    assert re.search(r'^printf\(fmt="fibo: FIBONACCI driver loaded su"\.\.\., \.\.\.\)$', services, re.M)


def test_colour_panel_marks_changes_in_red_and_plain_panel_has_no_escapes():
    data = PanelData("i386", [("eax", 1), ("eip", 0x10), ("eflags", 0x246)], {"eax": 0, "eip": 0x10, "eflags": 0x246},
                     [(True, "0x10", "f", "nop")], None, [], [], ["uiomove(buf=0x1, n=4, uio=0x2) = 0"])
    coloured = render_panel(data, color=True)
    plain = render_panel(data, color=False)
    assert "\x1b[31m\x1b[1meax 0x00000001" in coloured
    assert "\x1b[" not in plain
    assert "eax 0x00000001*" in plain and "eip 0x00000010*" not in plain
    assert "eflags 0x246 [ PF ZF IF ]" in plain      # gdb's order: ascending bits


def test_without_a_terminal_the_panel_fits_80_by_24_unless_lines_and_columns_say_otherwise(monkeypatch):
    import io
    from kemu.debug.panel_data import terminal_size
    monkeypatch.delenv("LINES", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)
    assert terminal_size(io.StringIO()) == (80, 24)
    monkeypatch.setenv("LINES", "50")
    monkeypatch.setenv("COLUMNS", "200")
    assert terminal_size(io.StringIO()) == (80, 50)        # never wider than 80 columns
