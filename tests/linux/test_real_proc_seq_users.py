"""fscache's init makes its /proc/fs/fscache files with proc_create_seq
(services/proc_seq.py): it loads, its files show the kernel's text through its own
seq_operations (seq_list_start_head's header line included), and the modules stacked on it,
which failed as its dependants while the fallback NULL made its init return -ENOMEM, load."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, DEPENDENCY_FAILED, corpus_record
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus


def read(system, path: str) -> str:
    fd = system.open(path)
    try:
        return system.read(fd, 1 << 16).decode()
    finally:
        system.close(fd)


@pytest.mark.parametrize("arch", ARCHES)
def test_fscache_files_show_its_statistics_and_cache_table(arch):
    system = boot_with(arch, "fscache", lenient=True)
    assert read(system, "/proc/fs/fscache/stats").startswith("FS-Cache statistics\nCookies: n=0 v=0")
    assert read(system, "/proc/fs/fscache/caches").startswith("CACHE    REF   VOLS  OBJS  ACCES S NAME\n")
    system.rmmod("fscache")
    assert system.leaks() == []


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["fscache", "cachefiles"])
def test_fscache_and_cachefiles_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]


@pytest.mark.parametrize("arch", ARCHES)
def test_nfs_gets_past_its_fscache_dependency(arch):
    record = corpus_record(arch, "nfs")
    assert not (record["outcome"] == DEPENDENCY_FAILED and "fscache" in record["detail"]), record["detail"]


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["bluetooth", "btusb", "rfcomm"])
def test_bluetooth_and_its_dependants_load_and_unload_cleanly(arch, name):
    """bluetooth's socket layers each make a /proc/net entry with proc_create_seq_data."""
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]


@pytest.mark.parametrize("arch", ARCHES)
def test_bluetooth_messages_come_through_pV(arch):
    system = boot_with(arch, "bluetooth", lenient=True)
    assert "Bluetooth: Core ver 2.22" in system.dmesg()
