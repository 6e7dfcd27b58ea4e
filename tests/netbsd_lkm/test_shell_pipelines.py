"""The README's console lines on NetBSD 1.6: `./fibotest | head -n 50`, `modunload -n x || true`,
od's exact reads, and scripts that say which line failed."""
from __future__ import annotations

import io
import subprocess
import sys

from kemu.os.netbsd_lkm.shell import Shell

from .conftest import POSTINSTALL


def _loaded(system, modules):
    out, err = io.StringIO(), io.StringIO()
    shell = Shell(system, out=out, err=err)
    assert shell.run_line(f"modload -p {POSTINSTALL} {modules.fibo}") == 0
    out.truncate(0), out.seek(0)
    return shell, out, err


def _fibonacci_wrapping(count: int) -> list[int]:
    numbers, (current, previous) = [], (1, 0)
    while len(numbers) < count:
        numbers.append(current)
        current, previous = (1, 0) if current > 2971215072 else (current + previous, current)
    return numbers


def test_fibotest_into_head_prints_fifty_numbers_and_ends(system, modules, monkeypatch):
    shell, out, err = _loaded(system, modules)
    reads = []
    real_read = system.read
    monkeypatch.setattr(system, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    assert shell.run_line("./fibotest | head -n 50") == 0
    numbers = [int(line) for line in out.getvalue().splitlines()]
    assert numbers == _fibonacci_wrapping(50)
    assert numbers[-4:] == [2971215073, 1, 1, 2]                # the wrap the README shows
    assert len(reads) < 1000          # fibotest ended soon after head (one pipe's worth of reads)
    assert system.kernel.files.open_files() == []               # and closed its descriptor
    assert err.getvalue() == ""


def test_fibotest_without_the_driver_fails_as_err3_says(bare_system):
    out, err = io.StringIO(), io.StringIO()
    assert Shell(bare_system, out=out, err=err).run_line("./fibotest | head -n 1") == 0
    assert err.getvalue() == "fibotest: unable to open /dev/fibo0: No such file or directory\n"
    assert Shell(bare_system, out=out, err=err).run_line("./fibotest") == 1


def test_readme_lines_work_in_a_script(system, modules):
    shell, out, err = _loaded(system, modules)
    script = "modunload -n nosuch || true\n./fibotest | head -n 3\nmodunload -n fibo && echo unloaded\n"
    assert shell.run_script(script) == 0
    assert out.getvalue() == "1\n1\n2\nunloaded\n"


def test_od_N_4_makes_the_driver_move_4_bytes(system, modules):
    shell, out, err = _loaded(system, modules)
    calls = []
    stop = system.kernel.trace.observe(calls.append)
    assert shell.run_line("od -A n -t u4 -N 4 /dev/fibo0") == 0
    stop()
    moves = [call for call in calls if call.name == "uiomove"]
    assert [dict((name, value) for name, value, _ in call.args)["n"] for call in moves] == [4]
    assert out.getvalue() == "          1\n"


def test_module_messages_reach_the_console_while_output_is_piped(system, modules):
    out, err = io.StringIO(), io.StringIO()
    shell = Shell(system, out=out, err=err)
    assert shell.run_line(f"modload {modules.fibo} | head -n 1") == 0
    assert out.getvalue() == "fibo: FIBONACCI driver loaded successfully\nModule loaded as ID 0\n"


def test_command_names_are_the_consoles_words(bare_system):
    names = Shell(bare_system).command_names()
    assert {"modload", "modstat", "modunload", "./fibotest", "od", "head", "ls"} <= set(names)
    assert "hexdump" not in names and "dd" not in names


def test_kemu_shell_script_names_the_failing_file_and_line(tmp_path, modules):
    script = tmp_path / "setup.sh"
    script.write_text(f"modload {modules.fibo}\nmodunload -n nosuch || true\nmodunload -n nosuch\necho no\n")
    done = subprocess.run([sys.executable, "-m", "kemu", "shell", "--arch", modules.arch, str(script)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stderr.endswith(f"{script}: line 3: `modunload -n nosuch' failed with exit status 3\n")
    assert "no\n" not in done.stdout
