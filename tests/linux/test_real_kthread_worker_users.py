"""The watchdog core creates its "watchdogd" kthread worker at init
(services/kthread_worker.py): it loads and unloads cleanly, and so do watchdog drivers
stacked on it, which failed as its dependants while its init oopsed on a NULL worker."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record

pytestmark = pytest.mark.debian_corpus


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["watchdog", "softdog", "i6300esb"])
def test_watchdog_and_its_drivers_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert "kthread_create_worker" not in record["fallback"]
