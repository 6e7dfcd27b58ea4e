"""modload -S and kemu debug --symbols-out write the linked module with its debug sections
relocated. When those relocations cannot be applied (a damaged `.rela.debug_line` entry whose
R_X86_64_32 cannot hold a kernel address: found by the system mutation suite) or the path is
not writable, the file is not written and the tool says so; the load itself goes on (before,
the LinkError escaped modload as an exception and ended kemu debug in an internal error)."""
from __future__ import annotations

import io
import struct

from kemu.elf import ObjectFile

from .harness import LKM, fresh_system, run_kemu, write_mutant

R_X86_64_32 = 10


def _fibo_with_bad_debug_relocation(tmp_path) -> str:
    data = bytearray((LKM / "x86_64" / "gcc" / "fibo-g.o").read_bytes())
    obj = ObjectFile.parse(bytes(data), "fibo-g.o")
    table = next(r for r in obj.relocations if r.target.name == ".debug_line")
    struct.pack_into("<I", data, table.section.offset + 8, R_X86_64_32)   # entry 0's r_info type
    return write_mutant(tmp_path, "fibo", bytes(data))


def test_modload_S_says_the_output_was_not_written_and_loads_the_module(tmp_path):
    system = fresh_system("x86_64")
    path = _fibo_with_bad_debug_relocation(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    status = system.run_command(["modload", "-S", "-o", str(tmp_path / "fibo.out"), path], out, err)
    assert status == 0
    assert out.getvalue() == "Module loaded as ID 0\n"
    assert f"modload: {tmp_path / 'fibo.out'} not written: " in err.getvalue()
    assert "R_X86_64_32" in err.getvalue()
    assert not (tmp_path / "fibo.out").exists()


def test_kemu_debug_symbols_out_says_why_it_wrote_nothing_and_debugs_on(tmp_path):
    path = _fibo_with_bad_debug_relocation(tmp_path)
    target = tmp_path / "fibo.elf"
    status, out, err = run_kemu(["debug", "--symbols-out", str(target), "--ex", "bt", "--ex",
                                 "continue", path])
    assert "internal error" not in err
    assert f"kemu debug: --symbols-out {target}: not written: " in err
    assert "fibo: FIBONACCI driver loaded successfully" in out
    assert status == 0


def test_kemu_debug_symbols_out_to_an_unwritable_path_is_reported(tmp_path):
    target = tmp_path / "no-such-dir" / "fibo.elf"
    status, out, err = run_kemu(["debug", "--symbols-out", str(target), "--ex", "continue",
                                 str(LKM / "i386" / "gcc" / "fibo.o")])
    assert "internal error" not in err
    assert f"--symbols-out {target}: not written: No such file or directory" in err
    assert status == 0
