"""mtd's init allocates and registers its backing device info (services/backing_dev.py):
it loads and unloads cleanly, and so do MTD drivers stacked on it, which failed as its
dependants while bdi_alloc's fallback NULL made its init return -ENOMEM."""
from __future__ import annotations

import pytest

from kemu.os.linux.services import backing_dev

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["mtd", "mtdblock", "mtdram"])
def test_mtd_and_its_drivers_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]


@pytest.mark.parametrize("arch", ARCHES)
def test_mtd_registers_mtd_0_until_it_goes(arch):
    system = boot_with(arch, "mtd", lenient=True)
    assert backing_dev.bdis(system.kernel).names() == ["mtd-0"]
    system.rmmod("mtd")
    assert backing_dev.bdis(system.kernel).names() == []
    assert system.leaks() == []
