"""sysfs attributes a module makes under /sys/kernel (kemu/os/linux/sysfs.py, services/sysfs.py,
services/kstrto.py) on guest/linux/sysfs, read and written with cat/echo, both arches."""
from __future__ import annotations

import io

import pytest

import kemu
from kemu.kernel import SyscallError

from .conftest import ARCHES, ko

DIR = "/sys/kernel/kemu_sysfs"


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def load(linux, *params):
    linux.insmod(str(ko(linux.arch, "kemu_sysfs")), list(params))


def sh(linux, line):
    out, err = io.StringIO(), io.StringIO()
    status = linux.shell().run_line(line, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_the_module_directory_holds_its_file_and_group(linux):
    load(linux)
    assert sorted(linux.sysfs.files) == [f"{DIR}/stats/limit", f"{DIR}/stats/reads", f"{DIR}/stats/writes",
                                         f"{DIR}/value"]


def test_cat_shows_and_echo_stores_through_the_modules_own_functions(linux):
    load(linux)
    assert sh(linux, f"cat {DIR}/value") == (0, "42\n", "")
    assert sh(linux, f"echo 9 > {DIR}/value") == (0, "", "")
    assert sh(linux, f"cat {DIR}/value {DIR}/stats/reads {DIR}/stats/writes") == (0, "9\n2\n1\n", "")


@pytest.mark.parametrize("text, error", [("abc", "Invalid argument"), ("1000", "Numerical result out of range"),
                                         ("0x10 ", "Invalid argument")])
def test_a_store_that_refuses_the_text_is_a_write_error(linux, text, error):
    load(linux)
    assert sh(linux, f"echo '{text}' > {DIR}/value") == (1, "", f"echo: write error: {error}\n")
    assert sh(linux, f"cat {DIR}/value")[1] == "42\n"


def test_a_read_only_attribute_cannot_be_opened_for_writing(linux):
    load(linux)
    status, _, err = sh(linux, f"echo 1 > {DIR}/stats/reads")
    assert status == 2 and err.endswith(f"cannot create {DIR}/stats/reads: Permission denied\n")
    with pytest.raises(SyscallError, match="EACCES"):
        linux.open(f"{DIR}/stats/limit", "w")                 # is_visible left it 0444


def test_is_visible_decides_the_mode(linux):
    load(linux, "tunable=1")
    assert sh(linux, f"echo 5 > {DIR}/stats/limit") == (0, "", "")
    assert sh(linux, f"echo 9 > {DIR}/value")[0] == 1         # above the new limit: -ERANGE


def test_unloading_removes_the_directory_and_frees_the_kobject(linux):
    load(linux)
    sh(linux, f"cat {DIR}/value")
    linux.rmmod("kemu_sysfs")
    assert not [p for p in linux.sysfs.files if p.startswith(DIR)]
    assert linux.dmesg().splitlines()[-1].endswith("kemu_sysfs: value 42 after 1 reads, 0 writes")
    assert linux.kernel.heap.leaks() == []
    assert sh(linux, f"cat {DIR}/value")[0] == 1


def test_a_second_kobject_of_the_same_name_is_refused_as_sysfs_does(linux):
    load(linux)
    name = linux.kernel.heap.alloc(16, "test name")
    linux.machine.mem.write(name, b"kemu_sysfs\0")
    kernel_kobj = linux.machine.mem.read_ptr(linux.data["kernel_kobj"])
    assert linux.call("kobject_create_and_add", name, kernel_kobj) == 0
    assert "sysfs: cannot create duplicate filename '/kernel/kemu_sysfs'" in linux.dmesg()


@pytest.mark.parametrize("text, base, value", [(b"42\n", 0, 42), (b"0x1f", 0, 31), (b"017", 0, 15),
                                               (b"-5", 10, -5), (b"ff", 16, 255), (b"0xff", 16, 255)])
def test_kstrtoint_accepts_what_the_kernel_accepts(linux, text, base, value):
    res = linux.kernel.heap.alloc(4, "test result")
    assert linux.call("kstrtoint", text + b"\0", base, res) == 0
    assert linux.machine.mem.read_int(res, 4, signed=True) == value


@pytest.mark.parametrize("text, errno", [(b"", 22), (b"12a", 22), (b"4294967296", 34), (b" 1", 22),
                                         (b"1\n\n", 22)])
def test_kstrtoint_refuses_what_the_kernel_refuses(linux, text, errno):
    res = linux.kernel.heap.alloc(4, "test result")
    linux.machine.mem.write_int(res, 4, 7)
    assert linux.call("kstrtoint", text + b"\0", 0, res) & 0xFFFFFFFF == (-errno) & 0xFFFFFFFF
    assert linux.machine.mem.read_int(res, 4) == 7                # untouched on failure
