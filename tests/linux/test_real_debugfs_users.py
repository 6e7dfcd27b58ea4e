"""Modules whose init checks what debugfs_create_dir returned (services/debugfs.py): ubi
refused to load (-ENODEV) while the fallback gave NULL, failing the modules stacked on it;
mtd's expert_analysis_mode flag reads back through /sys/kernel/debug."""
from __future__ import annotations

import pytest

from kemu.kernel.errors import SyscallError

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["ubi", "nd_btt", "notifier_error_inject"])
def test_debugfs_users_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert "debugfs_create_dir" not in record["fallback"]


@pytest.mark.parametrize("arch", ARCHES)
def test_mtd_debugfs_flag_reads_back_until_rmmod(arch):
    system = boot_with(arch, "mtd", lenient=True)
    fd = system.open("/sys/kernel/debug/mtd/expert_analysis_mode")
    assert system.read(fd, 16) == b"N\n"
    system.close(fd)
    system.rmmod("mtd")
    with pytest.raises(SyscallError, match="ENOENT"):
        system.open("/sys/kernel/debug/mtd/expert_analysis_mode")
