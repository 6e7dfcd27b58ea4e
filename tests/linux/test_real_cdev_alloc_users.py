"""uio's init takes its character device with cdev_alloc (services/cdev_alloc.py): it loads
and unloads cleanly, as do the uio drivers stacked on it, which failed as its dependants
while the fallback NULL made its init return -ENOMEM."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record

pytestmark = pytest.mark.debian_corpus


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["uio", "uio_pci_generic", "cnic"])
def test_uio_and_its_drivers_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert "cdev_alloc" not in record["fallback"]
