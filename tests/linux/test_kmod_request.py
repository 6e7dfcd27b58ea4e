"""request_module and symbol_get (services/kmod_request.py): modprobe as the kernel runs it,
through the console's module tree once depmod has indexed one; exported symbols with a
reference on their module."""
from __future__ import annotations

import io

import pytest

from .conftest import ARCHES, FIXTURE_DIR
from .platform_helpers import boot, call, call_variadic, cstr


@pytest.fixture(params=ARCHES)
def linux(request):
    return boot(request.param)


def test_without_a_module_tree_modprobe_exits_1(linux):
    assert call_variadic(linux, "__request_module", 1, cstr(linux, "hello")) == 256
    assert call_variadic(linux, "__request_module", 0, cstr(linux, "hello")) == 0       # not waited for
    assert linux.find_module("hello") is None


def test_a_name_too_long_for_a_module_is_refused(linux):
    assert call_variadic(linux, "__request_module", 1, cstr(linux, "x" * 70)) & 0xFFFFFFFF == \
        (-linux.errno.ENAMETOOLONG) & 0xFFFFFFFF


def test_after_depmod_the_module_is_loaded_with_its_dependencies(linux):
    shell = linux.shell(cwd=str(FIXTURE_DIR / linux.arch))
    assert shell.run_line("depmod", out=io.StringIO(), err=io.StringIO()) == 0
    assert call_variadic(linux, "__request_module", 1, cstr(linux, "stack-user")) == 0
    assert [m.name for m in linux.modules()] == ["stack_user", "stack_base"]
    assert call_variadic(linux, "__request_module", 1, cstr(linux, "no_such_module")) == 256


def test_symbol_get_takes_a_reference_on_the_exporting_module(linux):
    shell = linux.shell(cwd=str(FIXTURE_DIR / linux.arch))
    shell.run_line("insmod stack_base.ko", out=io.StringIO(), err=io.StringIO())
    base = linux.find_module("stack_base")
    name = next(iter(base.exports))
    assert call(linux, "__symbol_get", cstr(linux, name)) == linux.kernel.symbols.get(name).addr
    assert base.os["refcnt"] == 1
    call(linux, "__symbol_put", cstr(linux, name))
    assert base.os["refcnt"] == 0


def test_symbol_get_knows_only_exports(linux):
    assert call(linux, "__symbol_get", cstr(linux, "kmalloc_trace")) == linux.kernel.symbols.get("kmalloc_trace").addr
    assert call(linux, "__symbol_get", cstr(linux, "__kemu_devm_irq_release")) == 0
    assert call(linux, "__symbol_get", cstr(linux, "no_such_symbol")) == 0
