"""Real Debian modules that start kernel threads in init and stop them in exit
(kemu/os/linux/kthreads.py): clean by the honest measure on both arches, their threads
created and stopped by the real services, not fallbacks."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import assert_clean

# module -> the thread services its init and exit call
MODULES = {
    "pktgen": ("kthread_create_on_node", "kthread_bind", "kthread_stop"),      # kpktgend_0, bound to CPU 0
    "ecryptfs": ("kthread_create_on_node", "kthread_stop"),                    # ecryptfs-kthread
    "jfs": ("kthread_create_on_node", "kthread_stop"),                         # jfsIO, jfsCommit, jfsSync
    "bnx2fc": ("kthread_create_on_node", "kthread_bind"),                      # bnx2fc_l2_thread
}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_running_kernel_threads_is_clean(arch, name):
    record = assert_clean(arch, name)
    for service in MODULES[name]:
        assert record["services"].get(service), f"{name} did not call {service}"
