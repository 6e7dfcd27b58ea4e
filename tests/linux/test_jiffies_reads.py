"""Module code that reads jiffies inline spends time doing it (busy_time.watch_jiffies), so
a loop waiting for jiffies to move ends as on a real CPU, where the timer interrupt moves it."""
from __future__ import annotations

import pytest

from kemu.kernel.reference_sites import reference_sites
from kemu.os.linux.busy_time import READ_COST_NS, tick_ns

from .conftest import ARCHES, ko
from .corpus_trials import CLEAN, corpus_record


def test_every_reference_to_jiffies_in_module_code_is_found(linux):
    linux.insmod(str(ko(linux.arch, "timers")))
    module = linux.find_module("timers")
    sites = reference_sites(module.obj, module.image, ["jiffies", "no_such_symbol"])
    assert set(sites) == {"jiffies"}
    assert sites["jiffies"] and all(module.base <= a < module.base + module.size for a in sites["jiffies"])


def test_a_read_of_jiffies_spends_one_clock_read(linux):
    linux.insmod(str(ko(linux.arch, "timers")))
    module = linux.find_module("timers")
    sites = reference_sites(module.obj, module.image, ["jiffies"])["jiffies"]
    busy = linux.hrtimers.busy_ns
    linux.kernel.reference_watches["jiffies"](sites[0])
    assert (linux.hrtimers.busy_ns - busy) % tick_ns(linux) == READ_COST_NS % tick_ns(linux)


@pytest.mark.debian_corpus
@pytest.mark.parametrize("arch", ARCHES)
def test_raid6_benchmark_waiting_on_jiffies_ends(arch):
    # raid6_pq's init times each syndrome algorithm with `while ((j1 = jiffies) == j0)`: it
    # spun until the time limit (raid456 and btrfs, its users, also need alloc_page)
    record = corpus_record(arch, "raid6_pq")
    assert record["outcome"] == CLEAN, record["detail"]
    assert not {"kernel_fpu_begin_mask", "kernel_fpu_end"} & set(record["fallback"])


def test_get_jiffies_64_counts_from_initial_jiffies_and_spends_a_clock_read(linux):
    from kemu.os.linux.timekeeping import INITIAL_JIFFIES
    linux.advance(1.0)
    busy = linux.hrtimers.busy_ns
    value = linux.machine.call(linux.kernel.installed["get_jiffies_64"][1])
    assert value == INITIAL_JIFFIES + 250
    assert linux.hrtimers.busy_ns == busy + READ_COST_NS
