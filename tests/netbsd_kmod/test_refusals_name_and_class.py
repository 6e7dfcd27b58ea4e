"""module_do_load's checks of the modinfo record (kern_module.c; specs/loaders.md §3.4 f–g):
a name that fills MAXMODNAME (32) and a class outside (ANY, MAX) are refused with EINVAL and
kern_module.c's messages, before the module's INIT runs; nothing stays loaded or allocated."""
from __future__ import annotations

import pytest

from kemu.kernel import SyscallError

from .conftest import FIXTURES, run

LONG_NAME = "longname_exactly_thirty_two_char"


def _refused(system, name: str) -> SyscallError:
    with pytest.raises(SyscallError) as info:
        system.modctl_load(name)
    return info.value


def test_a_name_of_maxmodname_characters_is_einval(system):
    assert len(LONG_NAME) == 32
    error = _refused(system, "longname")
    assert (error.name, error.message) == ("EINVAL", "Invalid argument")
    assert f"WARNING: module error: module name `{LONG_NAME}' longer than 32\n" in system.dmesg()
    assert "longname: loaded" not in system.dmesg()
    assert system.modctl_stat() == [] and system.leaks() == []


def test_a_class_outside_any_and_max_is_einval(system):
    error = _refused(system, "badclass")
    assert (error.name, error.message) == ("EINVAL", "Invalid argument")
    assert "WARNING: module error: module `badclass' has invalid class 7\n" in system.dmesg()
    assert "badclass: loaded" not in system.dmesg()
    assert system.modctl_stat() == [] and system.leaks() == []


@pytest.mark.parametrize("module", ["longname", "{dir}/badclass/badclass.kmod"])
def test_modload_reports_the_refusal_and_the_next_load_works(system, arch, module):
    module = module.format(dir=FIXTURES / arch / "gcc")           # a name, or a path to the file
    status, _, err = run(system, f"modload {module}")
    assert status == 1 and err == f"modload: {module}: Invalid argument\n"
    assert run(system, "modload fibo")[0] == 0
    assert [m.name for m in system.modctl_stat()] == ["fibo"]
