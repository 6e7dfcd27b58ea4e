"""kemu's NetBSD console: scripts, redirections, descriptors, errors like the real tools'."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest

from kemu.os.netbsd_lkm.shell import Shell

from .conftest import POSTINSTALL


def _shell(system, **kw) -> tuple[Shell, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Shell(system, out=out, err=err, **kw), out, err


def _loaded(system, modules):
    shell, out, err = _shell(system)
    assert shell.run_line(f"modload -p {POSTINSTALL} {modules.fibo}") == 0
    out.truncate(0), out.seek(0)
    return shell, out, err


def test_run_line_returns_the_commands_exit_status(bare_system):
    shell, out, err = _shell(bare_system)
    assert shell.run_line("modunload -i 0") == 3
    assert err.getvalue() == "modunload: no such module\n"


def test_script_stops_at_the_first_failing_command(bare_system):
    shell, out, err = _shell(bare_system)
    status = shell.run_script("modstat\nmodunload -n fibo\nmodstat\n")
    assert status == 3
    assert out.getvalue().count("Type    Id") == 1


def test_comments_blank_lines_and_semicolons(bare_system):
    shell, out, err = _shell(bare_system)
    assert shell.run_script("# a comment\n\necho one; echo two  # trailing\n") == 0
    assert out.getvalue() == "one\ntwo\n"


def test_unknown_command_is_not_found_with_127(bare_system):
    shell, out, err = _shell(bare_system)
    assert shell.run_line("frob /dev/x") == 127
    assert err.getvalue() == "frob: not found\n"


def test_exit_ends_a_script_with_its_status(bare_system):
    shell, out, err = _shell(bare_system)
    assert shell.run_script("echo before\nexit 7\necho after\n") == 7
    assert out.getvalue() == "before\n"


def test_echo_mode_prints_each_command_after_the_prompt(bare_system):
    shell, out, err = _shell(bare_system, echo=True)
    shell.run_line("echo hi")
    assert out.getvalue() == "# echo hi\nhi\n"


def test_kernel_messages_appear_in_the_shell_output_in_order(system, modules):
    shell, out, err = _shell(system)
    shell.run_line(f"modload {modules.fibo}")
    assert out.getvalue() == "fibo: FIBONACCI driver loaded successfully\nModule loaded as ID 0\n"


def test_od_reads_a_device_with_posix_options(system, modules):
    shell, out, err = _loaded(system, modules)
    assert shell.run_line("od -A d -t u4 -N 24 /dev/fibo0") == 0
    assert out.getvalue() == ("0000000          1          1          2          3\n"
                              "0000016          5          8\n0000024\n")


def test_od_types_x4_and_d4_side_by_side_and_skip(system, modules):
    shell, out, err = _loaded(system, modules)
    assert shell.run_line("od -A x -t x4 -t d4 -j 44 -N 8 /dev/fibo0") == 0
    assert out.getvalue() == ("00002c    00000090    000000e9\n"
                              "               144         233\n000034\n")


def test_od_of_an_endless_device_needs_N(system, modules, monkeypatch):
    from kemu.userland import od
    monkeypatch.setattr(od, "UNBOUNDED_LIMIT", 4096)      # 1 MiB of fibo takes seconds to read
    shell, out, err = _loaded(system, modules)
    assert shell.run_line("od -t u4 /dev/fibo1") == 1
    assert err.getvalue() == ("od: /dev/fibo1: read 4096 bytes without reaching end of file; "
                              "a device may never end: give -N count\n")
    assert out.getvalue().startswith("0000000 ")           # what was read was shown as it came


def test_od_error_reads_like_the_real_tool(system, modules):
    shell, out, err = _loaded(system, modules)
    system.devfs.mknod("/dev/fibo8", "c", 29, 8, 0o666)
    assert shell.run_line("od -N 4 /dev/fibo8") == 1
    assert err.getvalue() == "od: /dev/fibo8: Operation not supported by device\n"


def test_od_of_a_missing_node(bare_system):
    shell, out, err = _shell(bare_system)
    assert shell.run_line("od -N 4 /dev/nosuch") == 1
    assert err.getvalue() == "od: /dev/nosuch: No such file or directory\n"


def _fibo_stream(count: int) -> list[int]:
    numbers, (current, previous) = [], (1, 0)
    while len(numbers) < count:
        numbers.append(current)
        current, previous = (1, 0) if current > 2971215072 else (current + previous, current)
    return numbers


def test_od_reads_from_a_descriptor_held_with_exec(system, modules):
    """od -N reads exactly its count, so a second od on the same descriptor continues with
    the next byte."""
    shell, out, err = _loaded(system, modules)
    assert shell.run_script("exec 3< /dev/fibo0\nod -A n -t u4 -N 8 <&3\nod -A n -t u4 -N 8 <&3\nexec 3<&-") == 0
    stream = _fibo_stream(4)
    assert out.getvalue() == (f"{stream[0]:>11}{stream[1]:>11}\n"
                              f"{stream[2]:>11}{stream[3]:>11}\n")


def test_exec_holds_a_device_open_until_closed(system, modules):
    shell, out, err = _loaded(system, modules)
    shell.run_line("exec 4< /dev/fibo6")
    assert shell.run_line("modunload -n fibo") == 5
    shell.run_line("exec 4<&-")
    assert shell.run_line("modunload -n fibo") == 0


def test_exec_of_a_busy_device_reports_the_open_error(system, modules):
    shell, out, err = _loaded(system, modules)
    shell.run_line("exec 3< /dev/fibo0")
    assert shell.run_line("exec 4< /dev/fibo0") == 2
    assert err.getvalue() == "sh: cannot open /dev/fibo0: Device busy\n"


def test_echo_into_a_device_writes_it(echodev):
    shell, out, err = _shell(echodev)
    assert shell.run_line("echo hello kernel > /dev/echo0") == 0
    assert shell.run_line("cat /dev/echo0") == 0
    assert out.getvalue() == "hello kernel\n"


def test_echo_into_fibo_is_a_write_error(system, modules):
    shell, out, err = _loaded(system, modules)
    assert shell.run_line("echo 42 > /dev/fibo0") == 1
    assert err.getvalue() == "echo: write error: Operation not supported by device\n"


def test_redirection_to_a_missing_node_cannot_create(bare_system):
    shell, out, err = _shell(bare_system)
    assert shell.run_line("echo x > /dev/nosuch") == 2
    assert err.getvalue() == "sh: cannot create /dev/nosuch: No such file or directory\n"


def test_ls_mknod_chmod_rm_on_kemus_dev(bare_system):
    shell, out, err = _shell(bare_system)
    assert shell.run_script("mknod /dev/foo c 40 3\nchmod 640 /dev/foo\nls -l /dev/foo") == 0
    assert out.getvalue().startswith("crw-r-----  1 root  wheel   40,   3 ")
    assert out.getvalue().endswith(" /dev/foo\n")
    assert shell.run_line("rm /dev/foo") == 0
    assert shell.run_line("ls -l /dev/foo") == 1
    assert err.getvalue() == "ls: /dev/foo: No such file or directory\n"


def test_mknod_errors(bare_system):
    shell, out, err = _shell(bare_system)
    shell.run_line("mknod /dev/foo c 1 2")
    assert shell.run_line("mknod /dev/foo c 1 2") == 1
    assert shell.run_line("mknod /dev/bar x 1 2") == 1
    assert shell.run_line("mknod /dev/bar c") == 1
    assert err.getvalue() == ("mknod: /dev/foo: File exists\n"
                              "mknod: node must be type 'b' or 'c'.\n"
                              "usage: mknod name [b | c] major minor\n")


def test_globs_expand_against_kemus_dev(system, modules):
    shell, out, err = _loaded(system, modules)
    shell.run_line("rm /dev/fibo[2-7]")
    shell.run_line("ls /dev/fibo*")
    assert out.getvalue() == "/dev/fibo0\n/dev/fibo1\n"


def test_dmesg_and_help(system, modules):
    shell, out, err = _loaded(system, modules)
    assert shell.run_line("dmesg") == 0
    assert out.getvalue() == "fibo: FIBONACCI driver loaded successfully\n"
    assert shell.run_line("help") == 0
    assert "modload [-dnsvS]" in out.getvalue()


def test_interactive_session_prompts_and_ends_at_eof(bare_system):
    shell, out, err = _shell(bare_system)
    status = shell.interact(io.StringIO("echo hi\nmodunload -i 1\n"))
    assert out.getvalue() == "# hi\n# # \n"
    assert status == 3


def test_quoting_keeps_words_together(bare_system):
    shell, out, err = _shell(bare_system)
    shell.run_line("echo 'a  b' \"c d\"")
    assert out.getvalue() == "a  b c d\n"


def test_kemu_shell_command_runs_a_script_file(tmp_path, modules):
    script = tmp_path / "tutorial.sh"
    script.write_text(f"modload -e fibo_lkmentry -p {POSTINSTALL} {modules.fibo}\n"
                      "od -A n -t u4 -N 12 /dev/fibo0\nmodunload -n fibo\n")
    done = subprocess.run([sys.executable, "-m", "kemu", "shell", "--arch", modules.arch, str(script)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("Module loaded as ID 0\n          1          1          2\n")


def test_kemu_shell_script_failure_is_its_exit_status(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kemu", "shell", "-c", "modunload -n fibo\necho not reached"],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr == ("modunload: id out of range\n"
                           "kemu shell: -c: line 1: `modunload -n fibo' failed with exit status 3\n")


def test_kemu_shell_reads_commands_from_stdin(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kemu", "shell", "--arch", "x86_64"],
                          input="modstat\n", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert done.stdout == "Type    Id  Off Loadaddr         Size Info             Rev Module Name\n"


@pytest.mark.parametrize("line", ["echo 'unterminated", "od -N 4 <"])
def test_syntax_errors_are_reported_not_raised(bare_system, line):
    shell, out, err = _shell(bare_system)
    assert shell.run_line(line) == 2
    assert err.getvalue().startswith("sh: syntax error: ")
