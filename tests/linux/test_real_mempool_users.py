"""Drivers whose init makes a memory pool (services/mempool.py): qla2xxx (its SRB pool) and
virtio_scsi (its command pool, a slab pool) load and unload cleanly, which failed with
-ENOMEM while the fallback mempool_create returned NULL."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record

pytestmark = pytest.mark.debian_corpus


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["qla2xxx", "virtio_scsi"])
def test_pool_users_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert "mempool_create" not in record["fallback"]
