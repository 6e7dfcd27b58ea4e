"""Block majors (services/blkdev.py) through their stubs: dynamic majors from 254 down,
refusals with the kernel's errno and message, unregister by name, /proc/devices."""
from __future__ import annotations

from .blk_helpers import call

EBUSY, EINVAL = 16, 22


def block_section(linux) -> str:
    return linux.chrdevs.proc_devices().split("Block devices:\n")[1]


def test_major_zero_hands_out_254_then_253(linux):
    assert call(linux, "__register_blkdev", 0, b"one\0", 0) == 254
    assert call(linux, "__register_blkdev", 0, b"two\0", 0) == 253


def test_a_fixed_major_answers_zero_and_a_taken_one_ebusy(linux):
    assert call(linux, "__register_blkdev", 7, b"loop\0", 0) == 0
    assert call(linux, "__register_blkdev", 7, b"other\0", 0) == -EBUSY
    assert "register_blkdev: cannot get major 7 for other" in linux.dmesg()


def test_a_major_of_512_or_more_is_einval(linux):
    assert call(linux, "__register_blkdev", 512, b"big\0", 0) == -EINVAL
    assert "major requested (512) is greater than the maximum (511) for big" in linux.dmesg()


def test_proc_devices_lists_block_majors_in_order(linux):
    call(linux, "__register_blkdev", 8, b"sd\0", 0)
    call(linux, "__register_blkdev", 0, b"dyn\0", 0)
    assert block_section(linux) == "  8 sd\n254 dyn\n259 blkext\n"


def test_unregister_frees_the_major_for_the_next_caller(linux):
    call(linux, "__register_blkdev", 9, b"md\0", 0)
    call(linux, "unregister_blkdev", 9, b"md\0")
    assert call(linux, "__register_blkdev", 9, b"md\0", 0) == 0


def test_unregister_with_another_name_warns_and_keeps_the_major(linux):
    call(linux, "__register_blkdev", 9, b"md\0", 0)
    call(linux, "unregister_blkdev", 9, b"mdx\0")
    assert "cut here" in linux.dmesg() and "  9 md\n" in block_section(linux)
