"""module_param at insmod (kernel/params.c's parse_args) and in /sys/module/NAME/parameters."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.insmod import InsmodError

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def load(linux, *params):
    return linux.insmod(str(ko(linux.arch, "params")), list(params))


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines()]


def sysfs(linux, name):
    fd = linux.open(f"/sys/module/params/parameters/{name}")
    try:
        return linux.read(fd, 4096).decode()
    finally:
        linux.close(fd)


def test_defaults_without_parameters(linux):
    load(linux)
    assert messages(linux)[-2:] == ["params: hello, world", "params: 4 values add up to 10"]
    assert [sysfs(linux, n) for n in ("whom", "count", "shout", "values")] == ["world\n", "1\n", "N\n", "1,2,3,4\n"]


def test_int_charp_bool_and_array_are_set(linux):
    load(linux, "whom=kemu", "count=2", "shout", "values=5,6,7")
    assert messages(linux)[-3:] == ["params: HELLO, kemu!", "params: HELLO, kemu!", "params: 3 values add up to 18"]
    assert [sysfs(linux, n) for n in ("whom", "count", "shout", "values")] == ["kemu\n", "2\n", "Y\n", "5,6,7\n"]


def test_charp_copy_is_freed_at_unload(linux):
    load(linux, "whom=somebody")
    linux.rmmod("params")
    assert messages(linux)[-1] == "params: goodbye, somebody"
    assert linux.kernel.heap.leaks() == []


def test_unknown_parameter_is_ignored_with_a_message(linux):
    load(linux, "bogus=1")
    assert "params: unknown parameter 'bogus' ignored" in messages(linux)


@pytest.mark.parametrize("word, message", [
    ("count=abc", "params: 'abc' invalid for parameter 'count'"),
    ("count", "params: '' invalid for parameter 'count'"),
    ("shout=maybe", "params: 'maybe' invalid for parameter 'shout'"),
    ("values=1,2,3,4,5", "values: can only take 4 arguments"),
])
def test_bad_value_fails_the_load_with_invalid_parameters(linux, word, message):
    with pytest.raises(InsmodError) as exc:
        load(linux, word)
    assert exc.value.name == "EINVAL" and exc.value.output.endswith(": Invalid parameters\n")
    assert message in messages(linux)
    assert linux.modules() == [] and linux.kernel.heap.leaks() == []
