"""devsw_attach's major numbers as NetBSD 10 chooses them: the static tables config(1) builds
from sys/conf/majors + majors.<arch> (kemu/os/netbsd/data), devsw_conv's reservations, and
the dynamic search from sys_cdevsws/sys_bdevsws up to MAXDEVSW."""
from __future__ import annotations

import pytest

from kemu.os.netbsd.majors import majors_for, parse_majors

CDEV, BDEV = 0x1000, 0x2000        # switch pointers: attach only stores them


def test_dynamic_majors_start_past_the_highest_listed_major_on_each_arch(arch):
    table = majors_for(arch)
    assert (table.sys_cdevsws, table.sys_bdevsws) == (358, 358)      # zd: char 357 block 357
    assert table.conv()["zd"] == (357, 357) and table.conv()["dm"] == (169, 194)


def test_the_ports_own_majors_differ_by_arch():
    assert majors_for("x86_64").conv()["cgd"] == (20, 81)
    assert majors_for("i386").conv()["cgd"] == (21, 93)
    assert "apm" in majors_for("i386").conv() and "apm" not in majors_for("x86_64").conv()


def test_the_fibo_module_gets_the_first_dynamic_character_major(system):
    system.modctl_load("fibo")
    assert system.devsw.conv["fibo"] == (-1, 358)
    assert "(major 358)" in system.dmesg()


def test_a_listed_name_gets_its_listed_major(system):
    assert system.devsw.attach("nvmm", 0, -1, CDEV, -1) == (0, -1, 345)
    assert system.devsw.cdev_at(345) == CDEV


def test_a_listed_name_with_a_block_major_needs_a_bdevsw(system):
    errno = system.errno
    assert system.devsw.attach("dm", 0, -1, CDEV, -1) == (errno.EINVAL, 169, 194)
    assert system.devsw.attach("dm", BDEV, -1, CDEV, -1) == (0, 169, 194)


def test_a_listed_name_asking_for_another_major_is_einval(system):
    assert system.devsw.attach("nvmm", 0, -1, CDEV, 400)[0] == system.errno.EINVAL


def test_new_names_take_successive_majors_and_keep_them_after_detach(system):
    devsw = system.devsw
    assert devsw.attach("one", BDEV, -1, CDEV, -1) == (0, 358, 358)
    devsw.detach(BDEV, CDEV, None)
    assert devsw.attach("two", BDEV + 1, -1, CDEV + 1, -1) == (0, 359, 359)   # 358 stays "one"'s
    assert devsw.attach("one", BDEV, -1, CDEV, -1) == (0, 358, 358)


def test_an_explicit_major_below_the_dynamic_range_is_taken_as_given(system):
    assert system.devsw.attach("mine", 0, -1, CDEV, 351) == (0, -1, 351)     # sys/modules/examples
    assert system.devsw.attach("other", 0, -1, CDEV + 1, 351)[0] == system.errno.EEXIST


def test_character_majors_run_out_at_maxdevsw(system):
    devsw = system.devsw
    for i, major in enumerate(range(358, 512)):
        assert devsw.attach(f"d{i}", 0, -1, CDEV + i, -1) == (0, -1, major)
    error, _, cmajor = devsw.attach("last", 0, -1, CDEV + 1000, -1)
    assert (error, cmajor) == (system.errno.ENOMEM, 512)
    assert system.dmesg().endswith("cdevsw_attach: character majors exhausted")
    assert "last" not in devsw.conv


def test_a_malformed_majors_line_names_file_and_line():
    with pytest.raises(ValueError, match=r"majors-x.txt:2: expected 'NAME char N \[block N\]'"):
        parse_majors("ok char 1\nbad block 2\n", "majors-x.txt")
