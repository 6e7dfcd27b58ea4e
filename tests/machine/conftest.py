"""Fixtures for the machine tests: a machine per arch and an assembler that places guest
code in the module area the way a module loader would (text r-x)."""
from __future__ import annotations

import pytest

from kemu.keystone_radix import decimal_ks
from kemu.machine import Machine, Prot

keystone = pytest.importorskip("keystone")


@pytest.fixture(params=["i386", "x86_64"])
def arch(request) -> str:
    return request.param


@pytest.fixture
def m(arch: str) -> Machine:
    machine = Machine(arch)
    yield machine
    machine.close()


class Assembler:
    """`asm(src)` assembles `src` at a fresh page of the module area, loads it read-only
    executable and returns its address. Labels named in `symbols=` are registered with the
    machine's symbolizers so oops reports and disassembly can name them."""

    def __init__(self, machine: Machine) -> None:
        self.m = machine
        self.ks = decimal_ks(machine.arch)
        self.symbols: dict[str, tuple[int, int]] = {}
        machine.symbolizers.append(self.lookup)

    def encode(self, src: str, addr: int) -> bytes:
        code, _ = self.ks.asm(src, addr)
        return bytes(code)

    def __call__(self, src: str, name: str | None = None, prot: Prot = Prot.RX, size: int = 0x1000) -> int:
        addr = self.m.alloc("modules", size)
        code = self.encode(src, addr)
        assert len(code) <= size
        self.m.mem.load_code(addr, code)
        self.m.mem.protect(addr, size, prot)
        if name:
            self.symbols[name] = (addr, len(code))
        return addr

    def data(self, name: str, data: bytes, prot: Prot = Prot.RW) -> int:
        addr = self.m.alloc("modules", max(len(data), 1))
        self.m.mem.write(addr, data)
        self.m.mem.protect(addr, max(len(data), 1), prot)
        self.symbols[name] = (addr, len(data))
        return addr

    def lookup(self, addr: int):
        for name, (start, size) in self.symbols.items():
            if start <= addr < start + max(size, 1):
                return (name, addr - start)
        return None


@pytest.fixture
def asm(m: Machine) -> Assembler:
    return Assembler(m)


def call_stub_src(abi: str, target: int, args: list[int]) -> str:
    """Guest code that calls `target` with immediate word arguments under `abi`, cleans up
    and returns what it returned."""
    lines = []
    if abi == "sysv":
        regs = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"]
        stack = args[6:]
        if len(stack) % 2:
            lines.append("sub rsp, 8")
        for a in reversed(stack):
            lines.append(f"mov rax, {a:#x}")
            lines.append("push rax")
        for r, a in zip(regs, args):
            lines.append(f"mov {r}, {a:#x}")
        lines.append(f"call {target:#x}")
        pad = 8 * (len(stack) + len(stack) % 2)
        if pad:
            lines.append(f"add rsp, {pad}")
    else:
        nreg = 3 if abi == "regparm3" else 0
        stack = args[nreg:]
        for a in reversed(stack):
            lines.append(f"push {a:#x}")
        for r, a in zip(["eax", "edx", "ecx"][:nreg], args):
            lines.append(f"mov {r}, {a:#x}")
        lines.append(f"call {target:#x}")
        if stack:
            lines.append(f"add esp, {4 * len(stack)}")
    lines.append("ret")
    return "\n".join(lines)
