"""The user side: kldload(8), kldunload(8), kldstat(8) and sysctl(8) in kemu's console, each
with FreeBSD's messages, table formats and exit statuses."""
from __future__ import annotations

import io

import pytest

import kemu

from .conftest import fixture_dir


class Console:
    """A shell on `system`; run(line) -> (status, stdout, stderr). Kernel messages reach the
    terminal, which is the shell's output while a line runs."""

    def __init__(self, system, cwd):
        self.system = system
        self.shell = system.shell(cwd=cwd)

    def run(self, line: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        status = self.shell.run_line(line, out=out, err=err)
        return status, out.getvalue(), err.getvalue()


@pytest.fixture
def console(arch):
    system = kemu.boot("freebsd", arch)            # module path ".": the fixture directory
    return Console(system, fixture_dir(arch))


def test_kldload_v_says_what_it_loaded_and_the_id(console):
    status, out, err = console.run("kldload -v fibo")
    assert (status, err) == (0, "")
    assert out == "fibo: FIBONACCI driver loaded successfully\nLoaded fibo, id=2\n"


def test_kldload_refusals_have_the_real_messages(console):
    console.run("kldload fibo")
    assert console.run("kldload fibo")[::2] == (1, "kldload: can't load fibo: module already loaded or in kernel\n")
    assert console.run("kldload nosuch")[::2] == (1, "kldload: can't load nosuch: No such file or directory\n")
    status, out, err = console.run("kldload loadfail")
    assert status == 1
    assert out.startswith("loadfail: refusing to load\n")
    assert err == ("kldload: an error occurred while loading module loadfail. "
                        "Please check dmesg(8) for more details.\n")
    assert console.run("kldload")[::2] == (1, "usage: kldload [-nqv] file ...\n")


def test_kldload_n_accepts_an_already_loaded_module(console):
    console.run("kldload fibo")
    assert console.run("kldload -n fibo")[0] == 0
    assert console.run("kldload -nv fibo")[:2] == (0, "fibo is already loaded\n")


def test_kldload_refuses_a_ko_in_the_current_directory_that_is_not_in_the_module_path(arch, tmp_path):
    system = kemu.boot("freebsd", arch, module_path=[str(tmp_path)])
    c = Console(system, fixture_dir(arch))
    assert c.run("kldload fibo.ko")[::2] == (1, "kldload: fibo.ko is not in the module path\n")
    assert c.run("kldload -q fibo.ko")[::2] == (1, "")


def test_kldstat_prints_the_real_table(console, arch):
    console.run("kldload multi")
    status, out, _ = console.run("kldstat")
    width = 18 if arch == "x86_64" else 10
    lines = out.splitlines()
    assert lines[0] == "Id Refs Address" + " " * (width - 7) + "     Size Name"
    assert lines[1].startswith(" 1    2 0x") and lines[1].endswith(" 1f46790 kernel")
    st = console.system.kldstat(2)
    assert lines[2] == f" 2    1 {f'{st.address:#x}':>{width}} {st.size:8x} multi.ko"


def test_kldstat_v_lists_the_modules_of_each_file(console):
    console.run("kldload multi")
    _, out, _ = console.run("kldstat -v -n multi.ko")
    lines = out.splitlines()
    assert lines[1].endswith(f" multi.ko ({fixture_dir(console.system.arch)}/multi.ko)")
    assert lines[2:4] == ["\tContains modules:", "\t\t Id Name"]
    assert sorted(line.split()[1] for line in lines[4:]) == ["multi_first", "multi_second", "multi_third"]


def test_kldstat_m_and_its_refusals(console):
    console.run("kldload evlog")
    assert console.run("kldstat -m evlog")[:2] == (0, "Id  Refs Name\n  1    1 evlog\n")
    assert console.run("kldstat -m nosuch")[::2] == (1, "kldstat: can't find module nosuch: No such file or directory\n")
    assert console.run("kldstat -q -m nosuch")[::2] == (1, "")
    assert console.run("kldstat -n nosuch.ko")[::2] == (1, "kldstat: can't find file nosuch.ko: No such file or directory\n")


def test_kldunload_by_name_and_id_and_its_refusals(console):
    console.run("kldload depuser")
    status, out, err = console.run("kldunload depbase.ko")
    assert status == 1
    assert out == "kldunload: attempt to unload file that was loaded by the kernel\n"
    assert err == "kldunload: can't unload file: Device busy\n"
    status, out, _ = console.run("kldunload -v depuser")
    assert (status, out.splitlines()[0]) == (0, "Unloading depuser.ko, id=2")
    assert console.run("kldunload nosuch")[::2] == (1, "kldunload: can't find file nosuch\n")
    console.run("kldload fibo")
    assert console.run("kldunload -i 2")[0] == 0
    assert console.run("kldunload -i 2")[::2] == (1, "kldunload: can't unload file: No such file or directory\n")


def test_kldunload_f_forces_past_a_refused_quiesce(console):
    console.run("kldload noquiesce")
    status, _, err = console.run("kldunload noquiesce")
    assert status == 1 and err.endswith("kldunload: can't unload file: Device busy\n")
    status, out, _ = console.run("kldunload -f noquiesce")
    assert status == 0 and "noquiesce: unloaded after 2 refusals" in out


def test_sysctl_reads_sets_and_refuses_as_freebsd_does(console):
    console.run("kldload sysctlmod")
    assert console.run("sysctl debug.kemu.answer")[:2] == (0, "debug.kemu.answer: 42\n")
    assert console.run("sysctl -n debug.kemu.greeting")[:2] == (0, "hello\n")
    assert console.run("sysctl debug.kemu.doubled=12")[:2] == (0, "debug.kemu.doubled: 84 -> 12\n")
    assert console.run("sysctl debug.kemu.doubled=11")[::2] == (1, "sysctl: debug.kemu.doubled=11: Invalid argument\n")
    assert console.run("sysctl kern.ostype=x")[::2] == (1, "sysctl: oid 'kern.ostype' is read only\n")
    assert console.run("sysctl no.such")[::2] == (1, "sysctl: unknown oid 'no.such'\n")


def test_raising_securelevel_stops_kld_loading_and_it_cannot_be_lowered(console):
    assert console.run("sysctl kern.securelevel=1")[:2] == (0, "kern.securelevel: -1 -> 1\n")
    assert console.run("sysctl kern.securelevel=0")[::2] == (1, "sysctl: kern.securelevel=0: Operation not permitted\n")
    assert console.run("kldload fibo")[::2] == (1, "kldload: can't load fibo: Operation not permitted\n")


def test_devices_are_listed_read_and_written_from_the_console(console):
    console.run("kldload fibo")
    console.run("kldload echo")
    status, out, _ = console.run("ls -l /dev")
    assert status == 0 and "cr--r--r--  1 root  wheel" in out and "fibo7" in out
    assert "crw-------  1 root  wheel" in out
    assert console.run("od -An -tu4 -N 16 /dev/fibo0")[1].split() == ["1", "1", "2", "3"]
    assert console.run("echo hi there > /dev/echo")[0] == 0
    assert console.run("cat /dev/echo")[1] == "echo: open echo\nhi there\necho: close echo\n"
    assert "echo: open echo" in console.run("dmesg")[1]
