"""The FreeBSD 14 calls of kern_extra.py and kern_conf_extra.py as a kld makes them (fixture
kextra, both arches and compilers), the scanf and hexdump engines on their own, and kldload's
refusal of a kld calling a function the SDK declares but the kernel does not provide."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.freebsd.kern_extra import HD_OMIT_CHARS, HD_OMIT_COUNT, hexdump_lines
from kemu.os.freebsd.scanf import scan

from .conftest import expect_error, fixture_dir

KEXTRA_LOAD = [
    "kextra: make_dev_p error 0 name kextra",
    "kextra: again error 17 dev NULL",
    "kextra: refthread ours ref 1",
    "kextra: sscanf 4: 42 31 word -700000 used 22",
    "kextra: scanset 2: key v",
    "kextra: empty -1",
    "kextra: asprintf 9 kextra-14",
    "kextra: 0000   6b 65 78 74 72 61 2d 31 34                       |kextra-14       |",
    "kextra: :41:42:01                 |AB.     |",
    "kextra: contig aligned 1 zero 1",
    "kextra: memmem cdef strcspn 5 strchrnul 0",
    "kextra: lookup byname byid nosuch-null",
]


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_kextra_gets_freebsds_answers(arch, compiler):
    system = kemu.boot("freebsd", arch, module_path=[fixture_dir(arch, compiler)])
    mark = len(system.dmesg())
    system.kldload("kextra")
    assert system.dmesg()[mark:].splitlines() == KEXTRA_LOAD
    node = system.kernel.devfs.lookup("/dev/kextra")
    assert (node.uid, node.gid, node.mode) == (0, 5, 0o640)
    assert system.kernel.heap.leaks("kextra") == []


def test_destroy_dev_sched_cb_removes_the_device_and_runs_the_callback(system):
    fid = system.kldload("kextra")
    mark = len(system.dmesg())
    system.kldunload(fid)
    assert system.dmesg()[mark:].splitlines() == [
        "kextra: kextra destroyed, callback ran", "kextra: unloaded"]
    assert system.kernel.devfs.lookup("/dev/kextra") is None
    assert system.kernel.heap.leaks("kextra") == []


def test_a_kld_calling_a_declared_but_unprovided_function_is_refused_naming_it(system, arch):
    mark = len(system.dmesg())
    expect_error(system, "ENOEXEC", system.kldload, "unprovided")
    elf_class = "link_elf_obj" if arch == "x86_64" else "link_elf"
    assert system.dmesg()[mark:].splitlines() == [f"{elf_class}: symbol copyin_nofault undefined"]
    assert system.loader.modules == [] and system.kldload("evlog") == 2


def _scan(text: bytes, fmt: bytes, word: int = 8):
    stored = []
    count = scan(text, fmt, lambda kind, size, value: stored.append((kind, size, value)), word)
    return count, stored


def test_sscanf_counts_assignments_and_skips_suppressed_ones():
    assert _scan(b"7 skip 0x10", b"%d %*s %i") == (2, [("int", 4, 7), ("int", 4, 16)])


def test_sscanf_stops_at_the_first_mismatch_and_reports_empty_input_as_minus_one():
    assert _scan(b"12 x", b"%d %d") == (1, [("int", 4, 12)])
    assert _scan(b"   ", b"%d") == (-1, [])
    assert _scan(b"a=1", b"b=%d") == (0, [])


def test_sscanf_honours_widths_sizes_and_scansets():
    count, stored = _scan(b"abcdef 255 -1", b"%3s%*s %hhu %hd", word=4)
    assert count == 3
    assert stored == [("string", 4, b"abc\0"), ("int", 1, 255), ("int", 2, 0xFFFF)]
    assert _scan(b"path/to:rest", b"%[^:]:%c") == (2, [("string", 8, b"path/to\0"), ("chars", 1, b"r")])


def test_hexdump_rows_follow_subr_prf_layout():
    data = bytes(range(0x41, 0x41 + 18))
    assert hexdump_lines(data, b"", 0).decode().splitlines() == [
        "0000   41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|",
        "0010   51 52" + " " * 42 + "  |QR              |",
    ]
    assert hexdump_lines(b"\x00\x7f", b"> ", HD_OMIT_COUNT | HD_OMIT_CHARS | 2) == b">  00 7f\n"
