"""Real Debian modules that call the block and SCSI transport services (services/blkdev.py,
transport_class.py, quota_formats.py, blk_mq_tags.py, gendisk.py, disk_add.py): they load
and unload cleanly without a fallback stub, and the kernel's registries hold what they
registered until they go."""
from __future__ import annotations

import pytest

from kemu.os.linux.services import corpus_common, disk_add, quota_formats, transport_class

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

MINE = {"__register_blkdev", "unregister_blkdev", "attribute_container_register", "attribute_container_unregister",
        "transport_class_register", "transport_class_unregister", "anon_transport_class_register",
        "anon_transport_class_unregister", "register_quota_format", "unregister_quota_format",
        "blk_mq_alloc_tag_set", "blk_mq_free_tag_set", "__blk_mq_alloc_disk", "__blk_alloc_disk"}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["scsi_transport_spi", "scsi_transport_sas", "scsi_transport_fc", "raid_class",
                                  "mptsas", "aic7xxx", "sr_mod", "mtdblock", "quota_v2", "loop", "nbd",
                                  "zram", "mtip32xx"])
def test_block_and_transport_users_load_and_unload_cleanly_without_fallbacks(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert not MINE & set(record["fallback"])


@pytest.mark.parametrize("arch", ARCHES)
def test_md_takes_major_9_and_a_dynamic_major_until_it_goes(arch):
    system = boot_with(arch, "md-mod", lenient=True)
    assert system.chrdevs.proc_devices().split("Block devices:\n")[1] == "  9 md\n254 mdp\n259 blkext\n"
    system.rmmod("md_mod")
    assert system.chrdevs.proc_devices().split("Block devices:\n")[1] == "259 blkext\n"


@pytest.mark.parametrize("arch", ARCHES)
def test_the_spi_transport_registers_its_classes_and_anonymous_container_until_it_goes(arch):
    system = boot_with(arch, "scsi_common", "scsi_mod", "scsi_transport_spi", lenient=True)
    containers = transport_class.containers(system.kernel)
    classes = corpus_common._registered_classes(system.kernel)
    assert {"spi_transport", "spi_host"} <= set(classes.values())
    assert len(containers.order) == 1 and len(containers.anon) == 1
    system.rmmod("scsi_transport_spi")
    assert containers.order == [] and not {"spi_transport", "spi_host"} & set(classes.values())


@pytest.mark.parametrize("arch", ARCHES)
def test_quota_v2_puts_its_two_formats_on_the_list_until_it_goes(arch):
    system = boot_with(arch, "quota_tree", "quota_v2", lenient=True)
    assert quota_formats.find_quota_format(system.kernel, 2) and quota_formats.find_quota_format(system.kernel, 4)
    system.rmmod("quota_v2")
    assert quota_formats.registered(system.kernel) == []


@pytest.mark.parametrize("arch", ARCHES)
def test_loop_adds_its_eight_disks_and_removes_them_at_unload(arch):
    system = boot_with(arch, "loop", lenient=True)
    assert list(disk_add.disks(system.kernel).values()) == [f"loop{i}" for i in range(8)]
    system.rmmod("loop")
    assert disk_add.disks(system.kernel) == {} and system.leaks() == []
