"""Fixtures for the kernel layer: a real Machine per test, on both arches."""
import pytest

from kemu.kernel import Errno, Kernel
from kemu.keystone_radix import decimal_ks
from kemu.machine import Machine, Prot

ARCHES = ("i386", "x86_64")


@pytest.fixture(params=ARCHES)
def arch(request):
    return request.param


@pytest.fixture
def machine(arch):
    m = Machine(arch)
    yield m
    m.close()


@pytest.fixture
def kernel(machine):
    """A NetBSD-numbered kernel with a console that records what it prints."""
    printed = []
    k = Kernel(machine, Errno.netbsd(), console=printed.append)
    k.printed = printed
    return k


def place(machine, asm: str) -> int:
    """Assemble `asm` (Intel syntax) at a fresh page in the module area; return its address."""
    ks = decimal_ks(machine.arch)
    addr = machine.alloc("modules", 4096)
    code, _ = ks.asm(asm, addr)
    machine.mem.load_code(addr, bytes(code))
    machine.mem.protect(addr, 4096, Prot.RX)
    return addr


def call_asm(machine, target: int, *args: int) -> str:
    """Guest code calling `target` with constant integer arguments per the arch's convention
    (x86-64: six registers, the rest on a 16-byte aligned stack, al = 0 for variadic callees)."""
    if machine.arch == "x86_64":
        regs = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"]
        extra = list(args[6:])
        pad = 0 if len(extra) % 2 else 8
        code = [f"sub rsp, {pad}"] if pad else []
        for value in reversed(extra):
            code += [f"mov rax, {value:#x}", "push rax"]
        code += [f"mov {r}, {a:#x}" for r, a in zip(regs, args)]
        code += ["xor eax, eax", f"mov r11, {target:#x}", "call r11", f"add rsp, {pad + 8 * len(extra)}", "ret"]
        return "; ".join(code)
    pushes = [f"push {a & 0xffffffff:#x}" for a in reversed(args)]
    cleanup = [f"add esp, {4 * len(args)}"] if args else []
    return "; ".join(pushes + [f"mov eax, {target:#x}", "call eax"] + cleanup + ["ret"])


class Guest:
    """Per-test access to the two helpers above, bound to one machine."""

    def __init__(self, machine):
        self.machine = machine

    def place(self, asm: str) -> int:
        return place(self.machine, asm)

    def calling(self, target: int, *args: int) -> int:
        """Address of guest code that calls `target(*args)` and returns its result."""
        return place(self.machine, call_asm(self.machine, target, *args))


@pytest.fixture
def guest(machine):
    return Guest(machine)
