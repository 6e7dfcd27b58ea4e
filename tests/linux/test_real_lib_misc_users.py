"""The iptables tables name themselves with strnlen-checked names at init
(services/lib_misc.py): they load and unload cleanly where the fallback's 0 length failed
them."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record

pytestmark = pytest.mark.debian_corpus


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["iptable_filter", "ip6table_mangle"])
def test_iptables_tables_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert "strnlen" not in record["fallback"]
