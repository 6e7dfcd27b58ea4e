"""A function whose DWARF is damaged past the point the loader checks (a type reference
pointing outside its compilation unit, found by the system mutation suite) is debugged as if
it had no debug information: `info args`, `info locals`, the stop line and `finish` say what
gdb says, and the session goes on instead of ending in an internal error."""
from __future__ import annotations

import io

import kemu
from kemu.debug.launch import DebugLaunch

from debug_helpers import after, fibo_path

#: In i386 gcc fibo-g.o, byte 0x761 of .debug_info is the high byte of a DW_FORM_ref4
#: DW_AT_type inside fibo_lkmentry: 0x7f sends it 8 MB past the end of the unit.
DAMAGED_REF = 0x761


def _damaged_fibo(tmp_path) -> str:
    from kemu.elf import ObjectFile
    path = fibo_path("i386", "gcc", debug=True)
    data = bytearray(open(path, "rb").read())
    info = ObjectFile.parse(bytes(data), "fibo-g.o").section_by_name(".debug_info")
    data[info.offset + DAMAGED_REF] = 0x7F
    out = tmp_path / "fibo.o"
    out.write_bytes(bytes(data))
    return str(out)


def test_a_function_with_damaged_dwarf_has_no_symbol_table_info_and_the_session_goes_on(tmp_path):
    system = kemu.boot("netbsd-lkm", "i386", call_timeout=30)
    out = io.StringIO()
    system.console = out.write
    launch = DebugLaunch(system, out=out, err=out, context=False, echo_commands=True)
    commands = ["info locals", "info args", "break fibo_handle", "continue", "info args", "finish",
                "continue"]
    launch.run(_damaged_fibo(tmp_path), iter(commands), entry="fibo_lkmentry")
    text = out.getvalue()
    assert "internal error" not in text and "Traceback" not in text
    assert after(text, "info locals").strip() == "No symbol table info available."   # fibo_lkmentry
    assert after(text, "info args", 0).strip() == "No symbol table info available."
    assert after(text, "info args", 1).split() == ["lkmtp", "=", "0xc0502c70", "cmd", "=", "1"]
    assert "Value returned is $1 = 0" in after(text, "finish")
    assert "fibo: FIBONACCI driver loaded successfully" in text
    assert "Module loaded as ID 0" in text
