"""Modules whose init takes whole pages with __get_free_pages (services/page_alloc.py): sctp
(its hash tables), jfs and the ATM LANE/br2684 protocols loaded cleanly only once the
fallback's 0 address stopped failing them."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record

pytestmark = pytest.mark.debian_corpus


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", [
    # sctp's pernet init walks init_net's devices (the loopback lo, services/net_device_register.py)
    # and kfrees its per-net sysctl table through header->ctl_table_arg at exit
    "sctp", "jfs", "lec"])
def test_page_users_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert "__get_free_pages" not in record["fallback"]
