"""/proc entries made with proc_create, read through seq_file (seq_open and single_open)."""
from __future__ import annotations

import pytest

import kemu
from kemu.kernel import SyscallError

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    system = kemu.boot("linux", request.param)
    system.insmod(str(ko(request.param, "proc_seq")))
    return system


def read_all(linux, path, chunk=4096):
    fd = linux.open(path)
    try:
        out = b""
        while True:
            data = linux.read(fd, chunk)
            if not data:
                return out.decode()
            out += data
    finally:
        linux.close(fd)


def test_seq_operations_iterate_every_record(linux):
    assert read_all(linux, "/proc/kemu_squares") == "".join(f"{n} {n * n}\n" for n in range(10))


def test_small_reads_continue_from_the_file_position(linux):
    assert read_all(linux, "/proc/kemu_squares", chunk=3) == "".join(f"{n} {n * n}\n" for n in range(10))


def test_single_open_shows_one_record(linux):
    assert read_all(linux, "/proc/kemu_summary") == "rows: 10\nsource: kemu proc_seq\n"


def test_entries_go_with_the_module_and_nothing_leaks(linux):
    read_all(linux, "/proc/kemu_summary")
    linux.rmmod("proc_seq")
    with pytest.raises(SyscallError) as exc:
        linux.open("/proc/kemu_squares")
    assert exc.value.name == "ENOENT"
    assert linux.kernel.heap.leaks() == []
