"""cryptd's init takes per-CPU queues with alloc_percpu (services/percpu_alloc.py): with the
real allocator it loads, and the SIMD ciphers stacked on it get to their own init."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, DEPENDENCY_FAILED, corpus_record

pytestmark = pytest.mark.debian_corpus


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["cryptd", "crypto_simd"])
def test_cryptd_and_crypto_simd_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert "__alloc_percpu" not in record["fallback"]


@pytest.mark.parametrize("arch", ARCHES)
def test_aesni_intel_gets_past_its_cryptd_dependency(arch):
    record = corpus_record(arch, "aesni_intel")
    assert record["outcome"] != DEPENDENCY_FAILED, record["detail"]
