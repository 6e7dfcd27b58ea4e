"""A loaded module that misbehaves on purpose (guest/netbsd-lkm/tests/hostile.c) fails only its
own call: every hostile ioctl ends in an oops reported as EFAULT (ETIMEDOUT when it never
returns) or in the service's own EFAULT, the module stays loaded and answers the next ioctl,
the CPU it sees next is the one it saw before, and fibo loads and works in the same machine."""
from __future__ import annotations

import io
import struct

import pytest

from kemu.kernel import SyscallError

from .harness import LKM, POSTINSTALL, check_still_usable, fresh_system

COMBOS = [(a, c) for a in ("i386", "x86_64") for c in ("gcc", "clang")
          if (LKM / a / c / "hostile.o").is_file()]
GROUP = ord("H") << 8
IOC_VOID, IOC_OUT, IOC_IN = 0x20000000, 0x40000000, 0x80000000


def _io(n: int) -> int:
    return IOC_VOID | GROUP | n


SERVICE = IOC_IN | IOC_OUT | (4 << 16) | GROUP | 6
NSERVICES = 16
#: ioctl number -> (what it does, errno names it may end with)
ACTS = {
    1: ("overrun a stack buffer and return", {"EFAULT"}),
    2: ("jump into the middle of a kernel service stub", {"EFAULT", None}),
    3: ("jump into kernel data", {"EFAULT"}),
    4: ("write its own .rodata", {"EFAULT"}),
    5: ("write its own .text", {"EFAULT"}),
    7: ("recurse without end", {"EFAULT"}),
    10: ("loop forever", {"ETIMEDOUT"}),
    11: ("call through NULL", {"EFAULT"}),
    13: ("set the trap flag", {"EFAULT"}),
    14: ("point the stack at nothing and call printf", {"EFAULT"}),
    15: ("int $0x80 in kernel mode", {"EFAULT"}),
    16: ("divide by zero", {"EFAULT"}),
}
DF, TF, AC = 0x400, 0x100, 0x40000


class Hostile:
    """A machine with hostile.o loaded and /dev/hostile0 open read-write."""

    def __init__(self, arch: str, compiler: str):
        self.system = fresh_system(arch)
        self.compiler = compiler
        loaded = self.system.modload(str(LKM / arch / compiler / "hostile.o"))
        self.system.devfs.mknod("/dev/hostile0", "c", loaded.offset, 0, 0o666)
        self.fd = self.system.open("/dev/hostile0", "rw")
        wide = arch == "x86_64"
        self.cpu_format = "<Q6H" if wide else "<I6H"
        self.cpu_size = 24 if wide else 16

    def ioctl(self, cmd: int, arg=None) -> str | None:
        """The errno name the ioctl failed with, or None when it succeeded."""
        try:
            self.system.ioctl(self.fd, cmd, arg)
        except SyscallError as exc:
            return exc.name
        return None

    def cpu(self) -> tuple[int, ...]:
        """(flags, ds, es, fs, gs, ss, x87 control word) as the module's code sees them."""
        cmd = IOC_OUT | (self.cpu_size << 16) | GROUP | 9
        return struct.unpack_from(self.cpu_format, self.system.ioctl(self.fd, cmd, bytes(self.cpu_size)).data)

    def still_answers(self) -> None:
        assert self.system.read(self.fd, 8) == b"hostile:"
        assert self.cpu()[1:] == self.boot_cpu[1:]


@pytest.fixture(params=COMBOS, ids=[f"{a}-{c}" for a, c in COMBOS])
def hostile(request) -> Hostile:
    h = Hostile(*request.param)
    h.boot_cpu = h.cpu()
    return h


@pytest.mark.parametrize("act", sorted(ACTS), ids=[ACTS[a][0].replace(" ", "-") for a in sorted(ACTS)])
def test_a_hostile_act_fails_only_its_own_call(hostile, act):
    what, allowed = ACTS[act]
    assert hostile.ioctl(_io(act)) in allowed, what
    hostile.still_answers()
    check_still_usable(hostile.system, hostile.compiler)


def test_faults_are_reported_as_oopses_naming_the_module_function(hostile):
    hostile.ioctl(_io(11))
    hostile.ioctl(_io(16))
    dmesg = hostile.system.dmesg()
    assert "NULL pointer" in dmesg or "0x0" in dmesg
    assert "hostile_ioctl" in dmesg


def test_every_act_in_a_row_then_fibo_still_reads_1_1_2_3_5(hostile):
    for act in sorted(ACTS):
        hostile.ioctl(_io(act))
    for which in range(NSERVICES):
        hostile.ioctl(SERVICE, struct.pack("<i", which))
    hostile.still_answers()
    check_still_usable(hostile.system, hostile.compiler)


@pytest.mark.parametrize("which", range(NSERVICES))
def test_services_given_garbage_pointers_and_huge_lengths_fail_cleanly(hostile, which):
    assert hostile.ioctl(SERVICE, struct.pack("<i", which)) in {None, "EFAULT"}
    hostile.still_answers()
    check_still_usable(hostile.system, hostile.compiler)


def test_flags_segments_and_fpu_control_the_module_set_do_not_reach_its_next_call(hostile):
    before = hostile.cpu()
    assert hostile.ioctl(_io(8)) is None          # std, cli, AC, null segments, fldcw 0x0e40
    after = hostile.cpu()
    assert after[0] & (DF | TF | AC) == before[0] & (DF | TF | AC) == 0
    assert after[1:] == before[1:]


def test_an_unload_that_never_returns_times_out_and_the_module_stays(hostile):
    assert hostile.ioctl(_io(12)) is None
    hostile.system.close(hostile.fd)
    with pytest.raises(SyscallError) as refused:
        hostile.system.modunload(name="hostile")
    assert refused.value.name == "ETIMEDOUT"
    assert [s.name for s in hostile.system.modstat()] == ["hostile"]
    check_still_usable(hostile.system, hostile.compiler)


def test_the_modload_command_prints_the_tools_messages_for_a_hostile_module_in_a_row():
    system = fresh_system("i386")
    out, err = io.StringIO(), io.StringIO()
    path = str(LKM / "i386" / "gcc" / "hostile.o")
    assert system.run_command(["modload", path], out, err) == 0
    assert system.run_command(["modload", path], out, err) != 0       # its own lkmexists: EEXIST
    assert "Traceback" not in out.getvalue() + err.getvalue()
    assert err.getvalue().startswith("modload: ")
    system.modload(str(LKM / "i386" / "gcc" / "fibo.o"), postinstall=POSTINSTALL)
    fd = system.open("/dev/fibo0")
    assert struct.unpack("<5I", system.read(fd, 20)) == (1, 1, 2, 3, 5)
