"""Debian's real modules on the driver core's second part: usb-serial drivers attach with
driver_attach, sunrpc builds /sys/kernel/sunrpc from a kset, fuse and configfs make their
mount points, PNP/serdev/auxiliary drivers sit on their buses, i2c-dev hears the I2C bus
through a bus notifier, class interfaces and compat classes come and go — each module clean
(init 0, clean unload, no leak) without calling a fallback stub for any of these."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

DRVCORE2 = {
    "driver_attach", "driver_for_each_device", "bus_find_device", "bus_rescan_devices", "device_bind_driver",
    "class_find_device", "class_interface_register", "class_interface_unregister", "class_create_file_ns",
    "class_remove_file_ns", "class_compat_register", "bus_register_notifier", "bus_unregister_notifier",
    "kset_create_and_add", "kset_register", "kset_unregister", "kobject_set_name", "kobject_uevent",
    "sysfs_create_link", "sysfs_remove_link", "sysfs_notify", "sysfs_create_mount_point",
    "sysfs_remove_mount_point", "__root_device_register", "root_device_unregister", "__platform_create_bundle",
    "__auxiliary_driver_register", "auxiliary_driver_unregister", "pnp_register_driver", "pnp_unregister_driver",
    "__serdev_device_driver_register", "spi_mem_driver_register_with_owner", "spi_mem_driver_unregister",
    "cdev_device_add", "cdev_device_del", "i2c_for_each_dev", "pm_runtime_enable", "__pm_runtime_set_status",
    "__pm_runtime_idle", "__pm_runtime_resume", "__pm_runtime_suspend", "pm_runtime_forbid", "pm_runtime_allow",
    "pm_runtime_no_callbacks", "pm_runtime_set_autosuspend_delay", "__pm_runtime_use_autosuspend",
    "pm_runtime_barrier", "dev_pm_qos_add_request", "dev_pm_qos_remove_request", "dev_pm_qos_expose_flags",
    "device_set_wakeup_capable", "component_add", "device_set_of_node_from_dev", "set_primary_fwnode",
    "is_acpi_device_node", "dev_get_regmap", "devm_gpiod_get_optional",
}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", [
    "aircable", "ftdi_sio", "pl2303", "tpm_infineon", "ns558", "gnss_sirf", "btmtkuart", "mlx5_core",
    "soundwire_intel", "intel_sdsi", "drivetemp", "sg", "ses", "pcmcia", "phantom", "mdev", "i2c_dev",
    "ptp_ocp", "cx18_alsa", "peak_usb", "hid_cmedia", "comedi", "uio", "sunrpc", "configfs", "fuse",
    "nilfs2", "orangefs", "ocfs2_stackglue", "spi_nor", "apple_gmux", "surface_aggregator",
])
def test_the_module_runs_clean_without_a_fallback_for_the_driver_core(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert not set(record["fallback"]) & DRVCORE2


@pytest.mark.parametrize("arch", ARCHES)
def test_sunrpc_builds_its_kset_under_sys_kernel_and_takes_it_away(arch):
    system = boot_with(arch, "sunrpc", lenient=True)
    assert system.sysfs.listing("/sys/kernel/sunrpc") == ["rpc-clients", "xprt-switches"]
    system.rmmod("sunrpc")
    assert system.sysfs.listing("/sys/kernel/sunrpc") is None


@pytest.mark.parametrize("arch", ARCHES)
def test_fuse_and_configfs_make_their_mount_points(arch):
    system = boot_with(arch, "fuse", "configfs", lenient=True)
    assert system.sysfs.listing("/sys/fs/fuse") == ["connections"]
    assert system.sysfs.listing("/sys/kernel/config") == []
    system.rmmod("configfs")
    system.rmmod("fuse")
    assert "config" not in system.sysfs.listing("/sys/kernel")
    assert "fuse" not in system.sysfs.listing("/sys/fs")
    assert system.leaks() == []


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("modules, bus, driver", [
    (("tpm_infineon",), "pnp", "tpm_inf_pnp"),
    (("gnss", "gnss-serial", "gnss-sirf"), "serial", "gnss-sirf"),
])
def test_a_pnp_or_serdev_driver_is_listed_on_its_bus_until_rmmod(arch, modules, bus, driver):
    system = boot_with(arch, *modules, lenient=True)
    assert system.driver_model.sys_listing(f"/sys/bus/{bus}/drivers") == [driver]
    system.rmmod(modules[-1].replace("-", "_"))
    assert system.driver_model.sys_listing(f"/sys/bus/{bus}/drivers") == []


@pytest.mark.parametrize("arch", ARCHES)
def test_i2c_dev_listens_on_the_i2c_bus_until_rmmod(arch):
    system = boot_with(arch, "i2c-dev", lenient=True)
    assert len(system.driver_model.bus_named("i2c").notifiers) == 1
    system.rmmod("i2c_dev")
    assert system.driver_model.bus_named("i2c").notifiers == []
