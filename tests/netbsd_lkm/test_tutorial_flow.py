"""The NetBSD LKM tutorial, step by step, on every arch and compiler: load fibo.o with its
post-install script, see it in modstat and /dev, read Fibonacci numbers, unload."""
from __future__ import annotations

import struct

import pytest

from kemu.kernel import SyscallError

from .conftest import POSTINSTALL, run

MAXFIBONUM = 2971215073
FIRST_50 = [1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765,
            10946, 17711, 28657, 46368, 75025, 121393, 196418, 317811, 514229, 832040, 1346269,
            2178309, 3524578, 5702887, 9227465, 14930352, 24157817, 39088169, 63245986, 102334155,
            165580141, 267914296, 433494437, 701408733, 1134903170, 1836311903, 2971215073, 1, 1, 2]


def test_modload_prints_the_id_and_the_driver_greets_on_the_console(system, modules):
    console = []
    system.console = console.append
    result = run(system, "modload", "-e", "fibo_lkmentry", "-p", str(POSTINSTALL), modules.fibo)
    assert (result.status, result.out, result.err) == (0, "Module loaded as ID 0\n", "")
    assert "".join(console) == "fibo: FIBONACCI driver loaded successfully\n"
    assert system.dmesg() == "fibo: FIBONACCI driver loaded successfully\n"


def test_first_char_device_module_gets_major_29(fibo):
    (stat,) = fibo.modstat()
    assert (stat.id, stat.name, stat.type_name, stat.offset, stat.ver) == (0, "fibo", "DEV", 29, 1)


def test_first_module_is_loaded_where_the_tutorials_modstat_shows_it(fibo, modules):
    (stat,) = fibo.modstat()
    if modules.arch == "i386":
        assert stat.area == 0xdca4f000
    else:
        assert stat.area >= 0xffffffff80000000          # -mcmodel=kernel: top 2 GiB
    assert stat.area % 4096 == 0


def test_modstat_row_uses_the_real_format(fibo, modules):
    result = run(fibo, "modstat")
    (stat,) = fibo.modstat()
    width = 8 if modules.arch == "i386" else 16
    header = f"Type    Id  Off {'Loadaddr':<{width}} Size {'Info':<{width}} Rev Module Name"
    row = f"DEV       0  29 {stat.area:0{width}x} {stat.size:04x} {stat.private:0{width}x}   1 fibo"
    assert result.out == f"{header}\n{row}\n"


def test_modstat_info_is_the_address_of_the_modules_lkm_dev_struct(fibo):
    (stat,) = fibo.modstat()
    image = fibo.lkm.slots[0].image
    assert stat.private == image.symbols["_module"]
    assert stat.size * 1024 == fibo.lkm.slots[0].size


def test_postinstall_script_makes_eight_nodes_with_mode_666(fibo):
    result = run(fibo, "ls", "-l", *fibo.devfs.glob("/dev/fibo*"))
    lines = result.out.splitlines()
    assert len(lines) == 8
    for minor, line in enumerate(lines):
        assert line.startswith("crw-rw-rw-  1 root  wheel   29,   ")
        assert line.endswith(f"/dev/fibo{minor}")
        assert f"29, {minor:3d} " in line


def test_reading_fibo0_gives_fibonacci_numbers_and_wraps_after_2971215073(fibo):
    fd = fibo.open("/dev/fibo0")
    numbers = list(struct.unpack("<50I", fibo.read(fd, 200)))
    assert numbers == FIRST_50
    assert max(numbers) == MAXFIBONUM


def test_numbers_continue_across_reads_like_the_test_program(fibo):
    fd = fibo.open("/dev/fibo0")
    one_by_one = [struct.unpack("<I", fibo.read(fd, 4))[0] for _ in range(50)]
    assert one_by_one == FIRST_50


def test_each_minor_has_its_own_sequence(fibo):
    a, b = fibo.open("/dev/fibo0"), fibo.open("/dev/fibo3")
    fibo.read(a, 40)
    assert struct.unpack("<3I", fibo.read(b, 12)) == (1, 1, 2)


def test_unload_is_refused_while_a_device_is_open_then_succeeds(fibo):
    fd = fibo.open("/dev/fibo5")
    busy = run(fibo, "modunload", "-n", "fibo")
    assert (busy.status, busy.err) == (5, "modunload: LMUNLOAD: Device busy\n")
    assert [s.name for s in fibo.modstat()] == ["fibo"]
    fibo.close(fd)
    done = run(fibo, "modunload", "-n", "fibo")
    assert (done.status, done.out, done.err) == (0, "", "")
    assert run(fibo, "modstat").out.count("\n") == 1          # the header only


def test_unload_gives_cdevsw_slot_back_so_old_nodes_answer_enodev(fibo):
    fibo.modunload(name="fibo")
    with pytest.raises(SyscallError) as info:
        fibo.open("/dev/fibo0")
    assert info.value.name == "ENODEV"
    assert fibo.cdevsw.op(29, "d_open") == fibo.kernel.symbols.lookup("lkmenodev")


def test_fibo_loads_again_after_unload_at_the_same_major(fibo, modules):
    fibo.modunload(name="fibo")
    again = fibo.modload(modules.fibo)
    assert (again.id, again.offset) == (0, 29)
    fd = fibo.open("/dev/fibo0")
    assert struct.unpack("<2I", fibo.read(fd, 8)) == (1, 1)


def test_the_whole_tutorial_in_the_shell(system, modules):
    import io
    out = io.StringIO()
    shell = system.shell(out=out, err=out)
    script = f"""
        modload -e fibo_lkmentry -p {POSTINSTALL} {modules.fibo}
        modstat -n fibo
        od -A d -t u4 -N 16 /dev/fibo0
        exec 3< /dev/fibo0
        modunload -n fibo
    """
    assert shell.run_script(script) == 5
    assert shell.run_script("exec 3<&-\nmodunload -n fibo\nmodstat") == 0
    text = out.getvalue()
    assert "0000000          1          1          2          3\n0000016\n" in text
    assert "modunload: LMUNLOAD: Device busy\n" in text
    assert text.endswith("Type    Id  Off " + ("Loadaddr" if modules.arch == "i386" else "Loadaddr        ")
                         + " Size " + ("Info    " if modules.arch == "i386" else "Info            ")
                         + " Rev Module Name\n")
