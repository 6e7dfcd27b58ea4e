"""Every outermost guest call starts from the machine's boot state: nothing a module's code
does to the CPU (segment registers, flags, x87/SSE control, debug and control registers,
FS/GS bases) is seen by the next call. Nested calls keep the state of the call that made
them. The property test runs seeded random sequences of such instructions, then a probe
that records what a call sees, and compares it with what a fresh call saw."""
from __future__ import annotations

import os
import random

import pytest

from kemu.keystone_radix import decimal_ks
from kemu.machine import GuestError, Machine, MachineError, Prot

keystone = pytest.importorskip("keystone")

OBS_WORDS = 32


def probe_src(arch: str, obs: int) -> str:
    """Guest code storing what it sees into the words at `obs`."""
    if arch == "i386":
        lines = ["pushfd", "pop eax", f"mov [{obs:#x}], eax"]
        for i, seg in enumerate(["cs", "ds", "es", "ss", "fs", "gs"]):
            lines += ["xor eax, eax", f"mov ax, {seg}", f"mov [{obs + 4 * (1 + i):#x}], eax"]
        lines += [f"fnstcw word ptr [{obs + 28:#x}]", f"stmxcsr dword ptr [{obs + 32:#x}]"]
        for i, dr in enumerate(["dr0", "dr1", "dr2", "dr3", "dr7"]):
            lines += [f"mov eax, {dr}", f"mov [{obs + 36 + 4 * i:#x}], eax"]
        lines += ["mov eax, cr0", f"mov [{obs + 56:#x}], eax",
                  "mov eax, cr4", f"mov [{obs + 60:#x}], eax",
                  # ES and the direction flag in use: stosd, then where edi went
                  f"mov edi, {obs + 64:#x}", "mov eax, 0x5a5a5a5a", "stosd",
                  f"mov [{obs + 68:#x}], edi",
                  # FS and GS bases in use
                  f"mov eax, fs:[{obs + 64:#x}]", f"mov [{obs + 72:#x}], eax",
                  f"mov eax, gs:[{obs + 64:#x}]", f"mov [{obs + 76:#x}], eax",
                  # x87 and SSE usable, x87 stack empty
                  "fnstsw ax", f"mov [{obs + 80:#x}], eax", "fld1",
                  f"fistp dword ptr [{obs + 84:#x}]", "mov eax, 7", "cvtsi2sd xmm0, eax",
                  "cvttsd2si eax, xmm0", f"mov [{obs + 88:#x}], eax", "ret"]
        return "\n".join(lines)
    lines = ["pushfq", "pop rax", f"mov [{obs:#x}], rax"]
    for i, seg in enumerate(["cs", "ds", "es", "ss", "fs", "gs"]):
        lines += ["xor eax, eax", f"mov ax, {seg}", f"mov [{obs + 8 * (1 + i):#x}], rax"]
    lines += [f"fnstcw word ptr [{obs + 56:#x}]", f"stmxcsr dword ptr [{obs + 64:#x}]"]
    for i, dr in enumerate(["dr0", "dr1", "dr2", "dr3", "dr7"]):
        lines += [f"mov rax, {dr}", f"mov [{obs + 72 + 8 * i:#x}], rax"]
    lines += ["mov rax, cr0", f"mov [{obs + 112:#x}], rax",
              "mov rax, cr4", f"mov [{obs + 120:#x}], rax"]
    for i, msr in enumerate([0xC0000100, 0xC0000101, 0xC0000102, 0xC0000080]):
        lines += [f"mov ecx, {msr:#x}", "rdmsr", f"mov [{obs + 128 + 8 * i:#x}], eax",
                  f"mov [{obs + 132 + 8 * i:#x}], edx"]
    lines += [f"mov rdi, {obs + 160:#x}", "mov eax, 0x5a5a5a5a", "stosd",
              f"mov [{obs + 168:#x}], rdi",
              "fnstsw ax", f"mov [{obs + 176:#x}], rax", "fld1",
              f"fistp dword ptr [{obs + 184:#x}]", "mov eax, 7", "cvtsi2sd xmm0, eax",
              "cvttsd2si eax, xmm0", f"mov [{obs + 192:#x}], rax", "ret"]
    return "\n".join(lines)


def poison_pool(arch: str, code: int, data: int) -> list[str]:
    """Instructions (or short groups) a module could run to change the CPU's state."""
    wide = arch == "x86_64"
    ax, sp = ("rax", "rsp") if wide else ("eax", "esp")
    pushf, popf = ("pushfq", "popfq") if wide else ("pushfd", "popfd")
    pool = ["std", "cld", "cli", "sti", "fninit", "fld1", "fldz", "emms", "clac", "stac"]
    for sel in (0, 3, 0x8, 0x10, 0x13, 0x18, 0xfff8):
        for seg in ("ds", "es", "fs", "gs", "ss"):
            pool.append(f"mov ax, {sel:#x}\nmov {seg}, ax")
    for bit in (0x1, 0x4, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800, 0x3000, 0x4000, 0x40000):
        pool.append(f"{pushf}\nor dword ptr [{sp}], {bit:#x}\n{popf}")
        pool.append(f"{pushf}\nand dword ptr [{sp}], {~bit & 0xffffffff:#x}\n{popf}")
    for cw in (0x0, 0x37f, 0xc7f, 0x7f, 0x1234, 0xffff):
        pool.append(f"push {cw:#x}\nfldcw word ptr [{sp}]\npop {ax}")
    for csr in (0x0, 0x1f80, 0x7f80, 0x9fc0, 0x6000, 0x8000):
        pool.append(f"push {csr:#x}\nldmxcsr dword ptr [{sp}]\npop {ax}")
    for target in (code, code + 0x10, data, data + 0x40):
        for n in range(4):
            pool.append(f"mov {ax}, {target:#x}\nmov dr{n}, {ax}")
    for dr7 in (0x401, 0x403, 0x40c, 0xd0401, 0x30402, 0x10401, 0xffff04ff, 0x2400):
        pool.append(f"mov {ax}, {dr7:#x}\nmov dr7, {ax}")
    pool.append(f"mov {ax}, 0x4ff0\nmov dr6, {ax}")
    for bit in (0x2, 0x4, 0x8, 0x20, 0x10000, 0x40000):   # MP EM TS NE WP AM
        pool.append(f"mov {ax}, cr0\nor {ax}, {bit:#x}\nmov cr0, {ax}")
        pool.append(f"mov {ax}, cr0\nand {ax}, {~bit}\nmov cr0, {ax}")
    for bit in (0x8, 0x200, 0x400, 0x100000, 0x200000):  # DE OSFXSR OSXMMEXCPT SMEP SMAP
        pool.append(f"mov {ax}, cr4\nxor {ax}, {bit:#x}\nmov cr4, {ax}")
    if wide:
        for msr in (0xC0000100, 0xC0000101, 0xC0000102):  # FS_BASE GS_BASE KERNEL_GS_BASE
            for value in (0x1000, 0xffffffff80000000, 0x7fff00001000, data):
                pool.append(f"mov ecx, {msr:#x}\nmov eax, {value & 0xffffffff:#x}\n"
                            f"mov edx, {value >> 32:#x}\nwrmsr")
        pool.append("swapgs")
    else:
        pool += ["push 0x10\npop es", "push 0\npop fs", "push 0x10\npop ss", "push ds\npop gs"]
    return pool


class Lab:
    """One machine with a probe, its data page and a page for the code under test."""

    def __init__(self, arch: str) -> None:
        self.m = m = Machine(arch, timeout=2.0)
        self.ks = decimal_ks(arch)
        self.obs = m.alloc("modules", 0x1000)
        self.probe = self.place(probe_src(arch, self.obs))
        self.code = m.alloc("modules", 0x1000)
        m.mem.protect(self.code, 0x1000, Prot.RX)

    def place(self, src: str) -> int:
        addr = self.m.alloc("modules", 0x1000)
        self.load(addr, src)
        return addr

    def load(self, addr: int, src: str) -> None:
        code = bytes(self.ks.asm(src, addr)[0])
        self.m.mem.load_code(addr, code)
        self.m.mem.protect(addr, 0x1000, Prot.RX)

    def observe(self) -> bytes:
        self.m.mem.write(self.obs, bytes(0x100))
        self.m.call(self.probe)
        return self.m.mem.read(self.obs, 0x100)

    def run(self, src: str) -> None:
        """Run `src` (then ret) as a module function; a fault is the module's business."""
        self.load(self.code, src + "\nret")
        try:
            self.m.call(self.code, budget=10_000)
        except GuestError:
            pass


@pytest.fixture(params=["i386", "x86_64"])
def lab(request) -> Lab:
    lab = Lab(request.param)
    yield lab
    lab.m.close()


def sequences(lab: Lab, seed: int, count: int) -> list[list[str]]:
    rng = random.Random(seed)
    pool = poison_pool(lab.m.arch, lab.probe, lab.obs)
    return [rng.sample(pool, rng.randint(1, 6)) for _ in range(count)]


def check_sequences(lab: Lab, seed: int, count: int) -> None:
    clean = lab.observe()
    for seq in sequences(lab, seed, count):
        lab.run("\n".join(seq))
        seen = lab.observe()
        assert seen == clean, f"after {seq!r} the next call saw another CPU state"


def test_the_probe_sees_flat_kernel_segments_and_a_usable_fpu(lab):
    seen = lab.observe()
    m = lab.m
    if m.arch == "i386":
        words = [int.from_bytes(seen[i:i + 4], "little") for i in range(0, 0x60, 4)]
        assert words[1:7] == [0x08, 0x10, 0x10, 0x10, 0x10, 0x10]   # cs ds es ss fs gs
        assert words[0] & 0x4700 == 0                               # TF IF DF NT clear
        assert words[17] == lab.obs + 68                            # stosd went up
        assert words[18:20] == [0x5a5a5a5a, 0x5a5a5a5a]             # fs:, gs: flat
        assert words[21] == 1 and words[22] == 7                    # x87 and SSE work
    else:
        words = [int.from_bytes(seen[i:i + 8], "little") for i in range(0, 0xc8, 8)]
        assert words[0] & 0x4700 == 0
        assert words[21] == lab.obs + 164
        assert words[23] == 1 and words[24] == 7


@pytest.mark.parametrize("poison", [
    "mov ax, 0\nmov es, ax",                       # seen bricking every later call on i386
    "pushf\nor dword ptr [{sp}], 0x100\npopf",      # TF: #DB in every later call
    "std", "push 0xc7f\nfldcw word ptr [{sp}]\npop {ax}",
    "mov {ax}, {probe}\nmov dr0, {ax}\nmov {ax}, 0x401\nmov dr7, {ax}",
])
def test_a_module_that_changes_the_cpu_does_not_change_the_next_call(lab, poison):
    wide = lab.m.arch == "x86_64"
    src = poison.format(sp="rsp" if wide else "esp", ax="rax" if wide else "eax",
                        probe=lab.probe).replace("pushf\n", "pushfq\n" if wide else "pushfd\n") \
        .replace("popf", "popfq" if wide else "popfd")
    clean = lab.observe()
    lab.run(src)
    assert lab.observe() == clean


def test_no_instruction_sequence_changes_what_the_next_call_sees(lab):
    check_sequences(lab, seed=8, count=120)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("KEMU_LONG"), reason="long campaign: set KEMU_LONG=1")
def test_no_instruction_sequence_changes_what_the_next_call_sees_long(lab):
    for seed in range(20):
        check_sequences(lab, seed=1000 + seed, count=500)


def test_a_declared_boot_register_is_what_every_call_starts_with(lab):
    m = lab.m
    if m.arch == "i386":
        with pytest.raises(MachineError, match="does not exist on i386"):
            m.set_boot_register("gs_base", 0x1000)
        return
    m.set_boot_register("gs_base", 0xffffffff80123000)
    lab.run("mov ecx, 0xc0000101\nxor eax, eax\nxor edx, edx\nwrmsr")
    seen = lab.observe()
    gs_base = int.from_bytes(seen[136:144], "little")
    assert gs_base == 0xffffffff80123000


def test_an_undeclarable_boot_register_is_refused_with_its_name(lab):
    with pytest.raises(MachineError, match="'eax' cannot be declared"):
        lab.m.set_boot_register("eax", 1)


def test_a_nested_call_keeps_the_callers_state_and_leaves_it_alone(lab):
    """The caller sets DF and its x87 control word, calls a service that calls back into
    a guest function that changes both; after the service, the caller still sees its own.
    (The nested call itself starts with DF clear, as the ABI promises every function.)"""
    m = lab.m
    wide = m.arch == "x86_64"
    ax, sp = ("rax", "rsp") if wide else ("eax", "esp")
    pushf = "pushfq" if wide else "pushfd"
    inner = lab.place(f"{pushf}\npop {ax}\nmov [{lab.obs + 0x80:#x}], {ax}\n"
                      f"cld\npush 0x37f\nfldcw word ptr [{sp}]\npop {ax}\nret")
    stub = m.add_stub("callback", lambda call: m.call(inner))
    outer = lab.place(f"std\npush 0xc7f\nfldcw word ptr [{sp}]\npop {ax}\n"
                      + ("sub rsp, 8\n" if wide else "") + f"call {stub:#x}\n"
                      + ("add rsp, 8\n" if wide else "")
                      + f"{pushf}\npop {ax}\nmov [{lab.obs + 0x90:#x}], {ax}\n"
                      f"fnstcw word ptr [{lab.obs + 0xa0:#x}]\ncld\nret")
    m.call(outer)
    outer_flags = m.mem.read_u32(lab.obs + 0x90)
    assert outer_flags & 0x400 == 0x400      # the nested call did not reset the caller's DF
    assert m.mem.read_u16(lab.obs + 0xa0) == 0xc7f


def test_hardware_breakpoints_a_module_arms_do_not_fire_in_later_calls(lab):
    m = lab.m
    ax = "rax" if m.arch == "x86_64" else "eax"
    target = lab.place("mov eax, 42\nret")
    lab.run(f"mov {ax}, {target:#x}\nmov dr0, {ax}\nmov {ax}, {lab.obs:#x}\nmov dr1, {ax}\n"
            f"mov {ax}, 0xd040f\nmov dr7, {ax}")
    assert m.call(target) == 42
    m.mem.write(lab.obs, b"x")
    lab.observe()
