"""modload -p: the module's real shell script runs under the host's /bin/sh, but its mknod,
rm, chmod and ls are kemu's shims acting on kemu's /dev; ways out to the host are refused."""
from __future__ import annotations

import os
import shutil

import pytest

from kemu.os.netbsd_lkm.postinstall import check_script

from .conftest import POSTINSTALL, run

pytestmark = pytest.mark.skipif(not os.path.exists("/bin/sh"), reason="post-install scripts need /bin/sh")


def _script(tmp_path, text: str, name: str = "post.sh") -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + text)
    return str(path)


def test_script_gets_id_type_in_hex_and_major(system, modules, tmp_path):
    script = _script(tmp_path, 'echo "args: $# $1 $2 $3"\n')
    result = run(system, "modload", "-p", script, modules.fibo)
    assert (result.status, result.out) == (0, "Module loaded as ID 0\nargs: 3 0 0x2 29\n")


def test_misc_module_gets_offset_minus_one(system, modules, tmp_path):
    script = _script(tmp_path, 'echo "$1 $2 $3"\n')
    assert run(system, "modload", "-p", script, modules.busy).out.endswith("0 0x6 -1\n")


def test_modload_exit_status_is_the_scripts(system, modules, tmp_path):
    script = _script(tmp_path, "exit 3\n")
    assert run(system, "modload", "-p", script, modules.fibo).status == 3
    assert [s.name for s in system.modstat()] == ["fibo"]        # the module stays loaded


def test_tutorial_script_called_wrongly_complains_like_it_says(tmp_path, bare_system):
    from kemu.os.netbsd_lkm.postinstall import run_postinstall
    import io
    out, err = io.StringIO(), io.StringIO()
    status = run_postinstall(str(POSTINSTALL), ["0"], bare_system.shim_handler, out, err)
    assert status == 1
    assert out.getvalue() == f"{POSTINSTALL} should only be called from modload(8) with 3 args\n"


def test_dollar_zero_is_the_name_modload_was_given(system, modules, tmp_path):
    _script(tmp_path, 'echo "$0"\n')
    shutil.copy(modules.fibo, tmp_path / "fibo.o")
    result = run(system, "modload", "-p", "post.sh", "fibo.o", cwd=str(tmp_path))
    assert result.out == "Module loaded as ID 0\npost.sh\n"


def test_shims_act_on_kemus_dev_and_the_host_dev_is_untouched(system, modules, tmp_path):
    name = f"kemu-shim-test-{os.getpid()}"
    script = _script(tmp_path, f"mknod /dev/{name} c $3 0\nchmod 600 /dev/{name}\nls -l /dev/{name}\n")
    result = run(system, "modload", "-p", script, modules.fibo)
    assert result.status == 0
    assert f"/dev/{name}" in system.devfs
    assert not os.path.exists(f"/dev/{name}")
    assert result.out.splitlines()[-1].startswith("crw-------  1 root  wheel   29,   0 ")


def test_shim_errors_come_back_to_the_script(system, modules, tmp_path):
    script = _script(tmp_path, "rm /dev/nosuch; echo status $?\nrm -f /dev/nosuch; echo status $?\n")
    result = run(system, "modload", "-p", script, modules.fibo)
    assert result.out.endswith("status 1\nstatus 0\n")
    assert result.err == "rm: /dev/nosuch: No such file or directory\n"


def test_patterns_are_expanded_against_kemus_dev_not_the_hosts(system, modules, tmp_path):
    system.devfs.mknod("/dev/tty_kemu0", "c", 40, 0)
    script = _script(tmp_path, "rm -f /dev/tty*\nls /dev\n")
    result = run(system, "modload", "-p", script, modules.fibo)
    assert "tty_kemu0" not in result.out
    assert "/dev/tty_kemu0" not in system.devfs


def test_commands_other_than_the_shims_are_not_found(system, modules, tmp_path):
    script = _script(tmp_path, "ln -s a b\necho $?\n")
    result = run(system, "modload", "-p", script, modules.fibo)
    assert result.out.endswith("127\n") and "ln: not found" in result.err


@pytest.mark.parametrize("line, problem", [
    ("/bin/rm -f /dev/fibo0", "`/bin/rm' is a host program"),
    ("/sbin/mknod /dev/fibo0 c 29 0", "`/sbin/mknod' is a host program"),
    ("echo x > /dev/fibo0", "redirection to `/dev/fibo0' would write a host file"),
    ("echo x >>log.txt", "redirection to `log.txt' would write a host file"),
    ("PATH=/bin:/usr/bin; rm x", "changing PATH would reach host programs"),
    ("command -p rm x", "`command -p' would run host programs"),
    ("eval rm x", "`eval' is not allowed"),
    ("exec /bin/sh", "`exec' is not allowed"),
])
def test_scripts_that_would_reach_the_host_are_refused_before_running(system, modules, tmp_path, line, problem):
    script = _script(tmp_path, f"mknod /dev/ran c 1 1\n{line}\n")
    assert check_script(open(script).read(), "post.sh")
    result = run(system, "modload", "-p", script, modules.fibo)
    assert result.status == 16
    assert result.err.startswith(f"modload: can't exec `{script}': ")
    assert problem in result.err
    assert "/dev/ran" not in system.devfs           # not even the harmless first line ran


def test_harmless_redirections_are_allowed():
    assert check_script("echo a > /dev/null\necho b >&2\nls 2>&1\necho c 2>/dev/null\n", "s") == []


def test_missing_script_cannot_be_executed(system, modules, tmp_path):
    result = run(system, "modload", "-p", str(tmp_path / "nosuch.sh"), modules.fibo)
    assert (result.status, result.err) == (16, f"modload: can't exec `{tmp_path / 'nosuch.sh'}': "
                                                "No such file or directory\n")


def test_binary_post_install_program_is_refused(system, modules, tmp_path):
    binary = tmp_path / "post"
    binary.write_bytes(b"\x7fELF" + bytes(60))
    result = run(system, "modload", "-p", str(binary), modules.fibo)
    assert result.status == 16 and "Exec format error" in result.err


def test_a_script_that_hangs_is_killed(bare_system, tmp_path):
    from kemu.os.netbsd_lkm.postinstall import run_postinstall
    import io
    script = _script(tmp_path, "while :; do :; done\n")
    err = io.StringIO()
    status = run_postinstall(script, ["0", "0x2", "29"], bare_system.shim_handler, io.StringIO(), err,
                             timeout=0.5)
    assert status == 124 and "did not finish in 0.5 s; killed" in err.getvalue()
