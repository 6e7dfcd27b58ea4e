"""A module calling a kernel function kemu does not have: refused as ld refuses it, or with
--lenient loaded, each call reported."""
from __future__ import annotations

from .conftest import run


def test_missing_symbol_is_refused_naming_the_symbol_like_ld(system, modules):
    result = run(system, "modload", modules.missingsym)
    assert result.status == 1
    assert result.err == (f"{modules.missingsym}: undefined reference to `frobnicate_the_bus'\n"
                          f"modload: can't prelink `{modules.missingsym}' creating `{modules.missingsym[:-2]}'\n")
    assert system.modstat() == []
    assert system.lkm.slots == [None] * 20


def test_lenient_load_succeeds_and_reports_each_call(system, modules):
    console = []
    system.console = console.append
    result = run(system, "modload", "--lenient", modules.missingsym)
    assert (result.status, result.out) == (0, "Module loaded as ID 0\n")
    assert result.err == (f"modload: warning: {modules.missingsym}: undefined reference to "
                          "`frobnicate_the_bus' bound to a kemu stub (--lenient): each call is logged "
                          "and returns 0\n")
    calls = system.kernel.missing_calls
    assert [c.name for c in calls] == ["frobnicate_the_bus"]
    assert calls[0].caller.startswith("missingsym_load+")
    assert calls[0].args[0] == 42
    text = "".join(console)
    assert "missingsym: before frobnicate_the_bus\n" in text
    assert "kemu: call to missing kernel function frobnicate_the_bus from missingsym_load+" in text
    assert "missingsym: after frobnicate_the_bus, result 0\n" in text


def test_lenient_load_lists_the_missing_symbols_in_the_result(system, modules):
    loaded = system.modload(modules.missingsym, lenient=True)
    assert loaded.missing_symbols == ["frobnicate_the_bus"]


def test_lenient_option_may_come_anywhere_before_the_object(system, modules):
    result = run(system, "modload", "-v", "--lenient", "-e", "missingsym_lkmentry", modules.missingsym)
    assert result.status == 0
