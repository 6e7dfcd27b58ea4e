"""Objects that must not link: overflow one past each field's edge, an unknown relocation type,
undefined symbols. kemu must refuse each with an error naming the relocation type, the symbol,
the section+offset and the value, and GNU ld must refuse the same object."""
from __future__ import annotations

import subprocess

import pytest

from kemu import link as link_pkg
from kemu.link import RelocationOverflow, UnknownRelocation, UnresolvedSymbols
from kemu.link.gnu_ld import EMULATION, LD_OPTIONS

from .conftest import require
from .manifest import failing

ERRORS = {"RelocationOverflow": RelocationOverflow, "UnknownRelocation": UnknownRelocation,
          "UnresolvedSymbols": UnresolvedSymbols}


@pytest.mark.parametrize("fixture", failing(), ids=lambda f: f.id)
def test_link_fails_with_the_expected_error_naming_what_went_wrong(fixture):
    expected = ERRORS[fixture.expect["error"]]
    with pytest.raises(expected) as info:
        fixture.link()
    message = str(info.value)
    assert message.startswith(str(fixture.path))
    for word in fixture.expect["mentions"]:
        assert word in message
    if expected is not UnresolvedSymbols:
        err = info.value
        assert err.type_name == fixture.expect["mentions"][0]
        assert f"{err.section}+{err.offset:#x}" in message
        assert err.symbol in message


@pytest.mark.parametrize("fixture", [f for f in failing() if f.expect["error"] == "RelocationOverflow"],
                         ids=lambda f: f.id)
def test_overflow_message_shows_the_value_and_the_allowed_range(fixture):
    with pytest.raises(RelocationOverflow) as info:
        fixture.link()
    err = info.value
    lo, hi = err.allowed
    assert not lo <= err.value <= hi or "in-place addend" in str(err)
    assert f"allowed {'-' if lo < 0 else ''}{abs(lo):#x}..{hi:#x}" in str(err)


@pytest.mark.needs_tool
@pytest.mark.parametrize("fixture", [f for f in failing() if f.expect["error"] == "RelocationOverflow"],
                         ids=lambda f: f.id)
def test_gnu_ld_refuses_the_same_overflow(fixture, tmp_path):
    require("ld")
    defsyms = [f"--defsym={n}={v:#x}" for n, v in fixture.symbols.items()]
    proc = subprocess.run(["ld", "-m", EMULATION[fixture.arch], *LD_OPTIONS,
                           f"-Ttext={fixture.base:#x}", *defsyms, "-o", str(tmp_path / "out"),
                           str(fixture.path)], capture_output=True, text=True)
    assert proc.returncode != 0, f"GNU ld accepted {fixture.id}"
    assert "relocation truncated to fit" in proc.stderr
    assert fixture.expect["mentions"][0] in proc.stderr


def test_every_unresolved_symbol_is_listed_with_every_place_that_uses_it():
    fixture = next(f for f in failing() if f.id == "x86_64/unresolved")
    with pytest.raises(UnresolvedSymbols) as info:
        fixture.link()
    assert info.value.references == {
        "missing_data": [(".text", 0xD), (".data", 0x0)],
        "missing_fn": [(".text", 0x1), (".text", 0x12)],
    }
    assert "maybe" not in str(info.value)          # weak: resolves to 0 instead


def test_link_errors_are_link_error_subclasses():
    for cls in (RelocationOverflow, UnknownRelocation, UnresolvedSymbols,
                link_pkg.BadRelocation):
        assert issubclass(cls, link_pkg.LinkError)
