"""depmod over the console's directory and modprobe resolving dependencies through it."""
from __future__ import annotations

import io

import pytest

import kemu
from kemu.os.linux.depmod import modules_dep, parse_dep

from .conftest import ARCHES, FIXTURE_DIR


@pytest.fixture(params=ARCHES)
def shell(request):
    return kemu.boot("linux", request.param).shell(cwd=str(FIXTURE_DIR / request.param))


def run(shell, line):
    out, err = io.StringIO(), io.StringIO()
    return shell.run_line(line, out=out, err=err), out.getvalue(), err.getvalue()


@pytest.mark.parametrize("arch", ARCHES)
def test_modules_dep_lists_exporters_of_undefined_symbols(arch):
    deps = parse_dep(modules_dep(str(FIXTURE_DIR / arch)))
    assert deps["stack_user"] == ["stack_user.ko", "stack_base.ko"]
    assert deps["hello"] == ["hello.ko"]


def test_depmod_result_is_readable_in_lib_modules(shell):
    assert run(shell, "depmod")[0] == 0
    text = run(shell, f"cat /lib/modules/{shell.system.release}/modules.dep")[1]
    assert "stack_user.ko: stack_base.ko\n" in text


def test_modprobe_loads_dependencies_first_and_r_removes_them(shell):
    run(shell, "depmod")
    assert run(shell, "modprobe stack_user")[0] == 0
    assert [m.name for m in shell.system.modules()] == ["stack_user", "stack_base"]
    assert run(shell, "modprobe -r stack_user")[0] == 0
    assert shell.system.modules() == []


def test_modprobe_passes_parameters_to_the_module(shell):
    run(shell, "depmod")
    run(shell, "modprobe params whom=probe")
    assert "params: hello, probe" in shell.system.dmesg()


def test_modprobe_of_an_unknown_module(shell):
    run(shell, "depmod")
    status, _, err = run(shell, "modprobe nothere")
    assert (status, err) == (1, f"modprobe: FATAL: Module nothere not found in directory "
                                f"/lib/modules/{shell.system.release}\n")


def test_modprobe_reports_a_failing_init(shell):
    run(shell, "depmod")
    status, _, err = run(shell, "modprobe initfail")
    assert (status, err) == (1, "modprobe: ERROR: could not insert 'initfail': No such device\n")
