"""Debian's drivers/char/nvram.ko, a misc_register driver: /dev/nvram (misc major 10, minor
144) appears, and reading, seeking and writing it run the driver's own code over the PC's
CMOS RAM (system.cmos, reached through rtc_cmos_read/write), with the driver's checksum
rules; /proc/driver/nvram (proc_create_single) is its show() over the same bytes."""
from __future__ import annotations

import pytest

from kemu.kernel import SyscallError

from .conftest import ARCHES
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

NVRAM_FIRST = 14                  # the NVRAM part of the CMOS follows the clock's 14 registers
NVRAM_BYTES = 128 - NVRAM_FIRST


def read_text(system, path: str) -> str:
    fd = system.open(path)
    try:
        return system.read(fd, 4096).decode()
    finally:
        system.close(fd)


@pytest.mark.parametrize("arch", ARCHES)
def test_dev_nvram_appears_reads_the_cmos_and_goes_on_unload(arch):
    system = boot_with(arch, "nvram")
    node = system.devfs.lookup("/dev/nvram")
    assert (node.major, node.minor) == (10, 144)
    assert "Non-volatile memory driver v1.3" in system.dmesg()
    fd = system.open("/dev/nvram")
    assert system.read(fd, 512) == bytes(system.cmos.ram[NVRAM_FIRST:])
    assert system.read(fd, 16) == b""                                  # at the end
    assert system.lseek(fd, -4, 2) == NVRAM_BYTES - 4                  # SEEK_END: generic_file_llseek_size
    assert system.read(fd, 16) == bytes(system.cmos.ram[-4:])
    system.close(fd)
    system.rmmod("nvram")
    assert system.devfs.lookup("/dev/nvram") is None
    with pytest.raises(SyscallError):
        system.open("/proc/driver/nvram")
    assert system.leaks() == []


@pytest.mark.parametrize("arch", ARCHES)
def test_proc_driver_nvram_decodes_the_bios_settings(arch):
    system = boot_with(arch, "nvram")
    text = read_text(system, "/proc/driver/nvram")
    assert text.startswith("Checksum status: valid\n# floppies     : 1\n")
    assert "Floppy 0 type  : 3.5'' 1.44M\n" in text and "DOS base memory: 640 kB\n" in text
    assert "FPU            : installed\n" in text


@pytest.mark.parametrize("arch", ARCHES)
def test_writes_reach_the_cmos_and_the_driver_keeps_the_checksum(arch):
    system = boot_with(arch, "nvram")
    before = bytes(system.cmos.ram[0x2E:0x30])
    fd = system.open("/dev/nvram", "rw")
    system.lseek(fd, 0x10 - NVRAM_FIRST, 0)
    assert system.write(fd, b"\x20") == 1                 # drive 0 becomes a 5.25'' 1.2M
    system.close(fd)
    assert system.cmos.ram[0x10] == 0x20
    assert system.cmos.checksum_valid() and bytes(system.cmos.ram[0x2E:0x30]) != before
    assert "Floppy 0 type  : 5.25'' 1.2M\n" in read_text(system, "/proc/driver/nvram")


@pytest.mark.parametrize("arch", ARCHES)
def test_a_bad_checksum_makes_reads_fail_with_eio_as_the_driver_decides(arch):
    system = boot_with(arch, "nvram")
    system.cmos.ram[0x20] ^= 0xFF                         # the battery lost a byte
    assert read_text(system, "/proc/driver/nvram").startswith("Checksum status: not valid\n")
    fd = system.open("/dev/nvram")
    with pytest.raises(SyscallError) as bad:
        system.read(fd, 16)
    assert bad.value.name == "EIO"
    system.close(fd)
