"""Real Debian modules whose only kernel functions kemu lacked were the driver-model ones
(dev_err/dev_dbg, dev_set_name, get/put_device): they now load with no fallback stub
(strict insmod), run init and exit, and leave nothing behind."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES
from .realmods import debian_module

pytestmark = pytest.mark.debian_corpus

#: module -> arches Debian builds it for (nsc_gpio is a 32-bit Geode/SCx200 driver)
MODULES = {"ni_tio": ARCHES, "nsc_gpio": ("i386",)}


@pytest.mark.parametrize("name,arch", [(n, a) for n, arches in MODULES.items() for a in arches])
def test_module_loads_strictly_and_unloads_clean(name, arch):
    system = kemu.boot("linux", arch)
    before = len(system.kernel.heap.leaks())
    system.insmod(debian_module(name, arch))
    assert [m.name for m in system.modules()] == [name]
    system.rmmod(name)
    assert system.modules() == []
    assert len(system.kernel.heap.leaks()) == before
