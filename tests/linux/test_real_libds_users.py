"""Real Debian modules whose init called the libds functions as fallback stubs (XArray,
IDA, rhashtable, textsearch, /proc attributes, struct page, zlib sizes, sort, …): they load
and unload cleanly with the real services, none of those functions left to a fallback, and
the kernel state they make is there while they are loaded and gone after."""
from __future__ import annotations

import pytest

from kemu.os.linux.services.libds import TABLES

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

LIBDS = {s.name for t in TABLES for s in t}

USERS = {
    "ib_cm": "XArray", "ib_umad": "XArray", "vfio": "XArray, IDA", "virtio": "IDA", "scsi_mod": "IDA",
    "nvme_core": "IDA", "gnss": "IDA", "airo": "proc_set_user, make_kuid", "ray_cs": "remove_proc_subtree",
    "atm": "remove_proc_subtree", "snd": "proc_set_size", "snd_pcm": "proc_set_size",
    "rds": "rhashtable, rb_first, DO_ONCE", "ts_kmp": "textsearch", "ts_bm": "textsearch",
    "isofs": "zlib_inflate_workspacesize", "jffs2": "zlib workspaces", "libcxgbi": "alloc_pages",
    "nfp": "alloc_pages", "chcr": "alloc_pages via libcxgbi", "fscache": "timer_shutdown_sync",
    "can": "round_jiffies", "nvme_fabrics": "uuid_gen", "ni_routing": "sort",
}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", sorted(USERS))
def test_libds_users_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert not set(record["fallback"]) & LIBDS, record["fallback"]


@pytest.mark.parametrize("arch", ARCHES)
def test_ts_kmp_registers_its_algorithm_until_unloaded(arch):
    system = boot_with(arch, "ts_kmp")
    ops = system.ts_ops
    assert [system.kernel.read_str(system.machine.mem.read_ptr(o)) for o in ops] == [b"kmp"]
    system.rmmod("ts_kmp")
    assert system.ts_ops == []


@pytest.mark.parametrize("arch", ARCHES)
def test_snd_makes_its_proc_tree_and_takes_it_away(arch):
    system = boot_with(arch, "soundcore", "snd", lenient=True)
    entries = system.proc_entries.entries
    assert "/proc/asound" in entries
    assert "/proc/asound/cards" in entries
    system.rmmod("snd")
    assert not [p for p in entries if p.startswith("/proc/asound")]
    assert system.leaks() == []
