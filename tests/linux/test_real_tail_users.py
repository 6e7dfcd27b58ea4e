"""Debian modules that called the long tail's fallback stubs (lib/parser, NMI handlers, the
radix tree, ISA DMA, the default NLS table, reciprocal_value, device randomness, the MTD LED
trigger, kobject paths) now reach real services and stay clean."""
from __future__ import annotations

import pytest

from kemu.os.linux.services import isa_dma, nmi_handlers

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

USERS = {
    "mce_inject": ("__register_nmi_handler", "unregister_nmi_handler"),
    "brd": ("radix_tree_gang_lookup",),
    "null_blk": ("radix_tree_gang_lookup",),
    "cifs": ("load_nls_default",),
    "nandsim": ("ledtrig_mtd_activity",),
    "baycom_ser_fdx": ("simple_strtoul",),
    "intel_rapl_msr": ("powercap_register_control_type", "powercap_unregister_control_type"),
}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", sorted(USERS))
def test_users_load_and_unload_cleanly_without_fallbacks(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert record["fallback"] == []
    assert not record["leaks"]


@pytest.mark.parametrize("arch", ARCHES)
def test_mce_inject_keeps_its_nmi_handler_registered_while_loaded(arch):
    system = boot_with(arch, "mce-inject", lenient=True)
    handlers = nmi_handlers.nmi_list(system.kernel, 0)
    assert handlers.names() == ["mce_notify"]
    system.rmmod("mce_inject")
    assert handlers.names() == []


@pytest.mark.parametrize("arch", ARCHES)
def test_floppy_finds_no_controller_and_gives_its_dma_channel_back(arch):
    record = corpus_record(arch, "floppy")
    assert record["detail"] == "-ENODEV"        # no FDC on kemu's machine, as on a modern PC
    assert record["fallback"] == []
    assert record["services"].get("request_dma") == record["services"].get("free_dma")


@pytest.mark.parametrize("arch", ARCHES)
def test_target_core_parses_its_option_tables(arch):
    """target_core_mod's tokenising works now; its init still stops at filp_open (a fallback
    that returns NULL where the real VFS returns a file or an ERR_PTR)."""
    record = corpus_record(arch, "target_core_mod")
    assert record["services"]["match_token"] >= 1
    assert not {"match_token", "match_int"} & set(record["fallback"])
