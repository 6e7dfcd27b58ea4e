"""Debian modules that ask what the machine is (services/dmi.py, x86_cpu_match.py,
kmod_request.py, platform_info.py, acpi_namespace.py, io_mapping.py, firmware_loader.py,
nvmem.py): each loads and unloads cleanly, with none of those questions answered by a
fallback stub any more, and where the answer shows, it is the machine's."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import CLEAN, corpus_record
from .platform_helpers import read_file
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

PLATFORM = {"dmi_check_system", "dmi_first_match", "dmi_get_system_info", "dmi_find_device", "dmi_match",
            "dmi_name_in_vendors", "x86_match_cpu", "cpu_has_xfeatures", "__request_module", "__symbol_get",
            "drm_firmware_drivers_only", "fb_get_options", "release_firmware", "acpi_get_table",
            "acpi_walk_namespace", "acpi_resources_are_enforced", "acpi_osi_is_win8",
            "acpi_quirk_skip_acpi_ac_and_battery", "efivar_supports_writes", "mce_register_decode_chain",
            "mce_unregister_decode_chain", "ioremap", "iounmap", "nvmem_register", "nvmem_unregister"}

USERS = ["skge", "via_rhine", "button", "i2c_i801", "toshiba_acpi",      # DMI
         "crc32_pclmul", "crc32c_intel",                                  # x86_match_cpu
         "lp", "ppdev", "dvb_usb_af9005", "mtdram",                       # request_module, symbol_get, nvmem
         "bochs", "qxl", "hgafb", "savagefb",                             # nomodeset, video=, ioremap
         "ac", "video", "asus_atk0110", "intel_hid", "iscsi_ibft",        # ACPI
         "typhoon", "qla1280", "efi_pstore", "i7core_edac"]               # firmware, EFI, MCE


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", USERS)
def test_platform_users_load_and_unload_cleanly_without_fallbacks(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == CLEAN, record["detail"]
    assert not PLATFORM & set(record["fallback"]), record["fallback"]
    assert record["leaks"] == 0


@pytest.mark.parametrize("arch", ARCHES)
def test_crc32c_intel_finds_sse42_and_registers_its_hash(arch):
    system = boot_with(arch, "crc32c-intel", lenient=True)
    assert "crc32c-intel" in read_file(system, "/proc/crypto")


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["coretemp", "hv_vmbus", "dell_smbios", "einj"])
def test_modules_for_other_machines_refuse_as_they_would_on_qemu(arch, name):
    record = corpus_record(arch, name)
    assert record["outcome"] == "init returned an error" and record["detail"] == "-ENODEV", record
    assert not record["fallback"]
