"""Real Debian modules that register configfs subsystems: configfs pins its own mount with
simple_pin_fs on the first configfs_register_subsystem (kemu/os/linux/vfs.py runs its
fill_super and builds the tree its code asks for), so they and their dependants load and
unload, where the fallback simple_pin_fs left configfs_mount NULL and configfs_pin_fs oopsed."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record

pytestmark = pytest.mark.debian_corpus

VFS = {"simple_pin_fs", "simple_release_fs", "get_tree_single", "new_inode", "d_make_root",
       "d_alloc_name", "d_add", "d_instantiate", "dput", "iput", "kill_litter_super"}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["libcomposite", "usb_f_mass_storage", "netconsole", "configfs"])
def test_configfs_users_load_and_unload_cleanly(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert not VFS & set(record["fallback"])
