"""Debian's fs/nls modules on the NLS registry (fs/nls/nls_base.c): a registered table is
on the kernel's list under its charset name, load_nls finds it and pins its module, and the
module's exit takes it off again."""
from __future__ import annotations

import pytest

from kemu.os.linux.insmod import InsmodError
from kemu.os.linux.services import nls

from .conftest import ARCHES
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus


def _charsets(system) -> list[str]:
    k = system.kernel
    return [nls._name(k, t, "charset") for t in nls.tables(k)]


@pytest.mark.parametrize("arch", ARCHES)
def test_registered_tables_are_listed_newest_first_and_chained_in_guest_memory(arch):
    system = boot_with(arch, "nls_cp437", "nls_iso8859-1")
    assert _charsets(system) == ["iso8859-1", "cp437"]
    k, first, second = system.kernel, *nls.tables(system.kernel)
    assert system.machine.mem.read_ptr(first + nls._off(k, "next")) == second
    assert system.machine.mem.read_ptr(second + nls._off(k, "next")) == 0


@pytest.mark.parametrize("arch", ARCHES)
def test_rmmod_unregisters_the_table(arch):
    system = boot_with(arch, "nls_cp437", "nls_iso8859-1")
    system.rmmod("nls_iso8859_1")
    assert _charsets(system) == ["cp437"]


@pytest.mark.parametrize("arch", ARCHES)
def test_koi8_ru_loads_on_top_of_koi8_u_and_pins_it(arch):
    system = boot_with(arch, "nls_koi8-u", "nls_koi8-ru")
    assert _charsets(system) == ["koi8-ru", "koi8-u"]
    koi8_u = next(m for m in system.modules() if m.name == "nls_koi8_u")
    assert koi8_u.os.get("refcnt") == 1                    # load_nls("koi8-u") in koi8-ru's init
    system.rmmod("nls_koi8_ru")                             # its exit calls unload_nls
    assert koi8_u.os.get("refcnt") == 0
    assert _charsets(system) == ["koi8-u"]


@pytest.mark.parametrize("arch", ARCHES)
def test_load_nls_of_an_unregistered_charset_is_null_so_koi8_ru_alone_fails_with_einval(arch):
    with pytest.raises(InsmodError, match="EINVAL"):
        boot_with(arch, "nls_koi8-ru")
