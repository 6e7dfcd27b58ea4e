"""crypto/xor.c's boot benchmark reads ktime_get() until it changes and times 800 xor passes
by it (busy_time.py: clock reads spend virtual time). It used to spin until kemu's time limit,
and async_xor failed as its dependant; both now load and unload cleanly."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record

pytestmark = pytest.mark.debian_corpus


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["xor", "async_xor"])
def test_xor_benchmark_ends_and_its_dependant_loads(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
