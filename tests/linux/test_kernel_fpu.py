"""kernel_fpu_begin_mask/kernel_fpu_end (services/fpu.py): the FPU taken for kernel code with
sane control state, the task's registers given back, misuse reported as Debian's
CONFIG_X86_DEBUG_FPU kernel reports it."""
from __future__ import annotations


from kemu.keystone_radix import decimal_ks
from kemu.machine import Prot

KFPU_387, KFPU_MXCSR = 1, 2


def call(linux, name: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name][1], *args)


def run_guest(linux, body: str) -> list[int]:
    """Assemble `body` as module code (`begin MASK` / `end` call the services; `save N`
    stores MXCSR and the x87 control word in slot N) and run it; the slots' values."""
    m = linux.machine
    slots = m.alloc("kdata", 64, 16)
    m.mem.write(slots, bytes(64))
    arg = "edi" if m.arch == "x86_64" else "eax"
    lines = []
    for line in body.strip().splitlines():
        op, *rest = line.split()
        if op == "begin":
            lines += [f"mov {arg}, {rest[0]}", f"call {linux.kernel.installed['kernel_fpu_begin_mask'][1]:#x}"]
        elif op == "end":
            lines.append(f"call {linux.kernel.installed['kernel_fpu_end'][1]:#x}")
        elif op == "save":
            at = slots + 8 * int(rest[0])
            lines += [f"stmxcsr dword ptr [{at:#x}]", f"fnstcw word ptr [{at + 4:#x}]"]
        else:
            lines.append(line.replace("SCRATCH", f"{slots + 56:#x}"))
    lines.append("ret")
    ks = decimal_ks(m.arch)
    code_addr = m.alloc("modules", 0x1000)
    code, _ = ks.asm("\n".join(lines), code_addr)
    m.mem.load_code(code_addr, bytes(code))
    m.mem.protect(code_addr, 0x1000, Prot.RX)
    m.call(code_addr)
    return [int.from_bytes(m.mem.read(slots + 8 * i, 4), "little") for i in range(3)] + \
           [int.from_bytes(m.mem.read(slots + 8 * i + 4, 2), "little") for i in range(3)]


TASK_STATE = """
mov dword ptr [SCRATCH], 0x9fc0
ldmxcsr dword ptr [SCRATCH]
mov word ptr [SCRATCH], 0x27f
fldcw word ptr [SCRATCH]
save 0
"""


def test_begin_loads_the_default_mxcsr_and_end_gives_the_task_its_own_back(linux):
    mxcsr = run_guest(linux, TASK_STATE + "begin 2\nsave 1\nend\nsave 2")[:3]
    assert mxcsr == [0x9FC0, 0x1F80, 0x9FC0]         # the task's flush-to-zero comes back


def test_kfpu_387_resets_the_x87_control_word_and_end_restores_it(linux):
    fpcw = run_guest(linux, TASK_STATE + "begin 3\nsave 1\nend\nsave 2")[3:]
    assert fpcw == [0x027F, 0x037F, 0x027F]


def test_without_kfpu_387_the_x87_state_is_left_alone(linux):
    fpcw = run_guest(linux, TASK_STATE + "begin 2\nsave 1\nend\nsave 2")[3:]
    assert fpcw == [0x027F, 0x027F, 0x027F]


def test_the_fpu_is_not_usable_inside_a_kernel_fpu_section(linux):
    assert call(linux, "irq_fpu_usable") & 0xFF == 1
    call(linux, "kernel_fpu_begin_mask", KFPU_MXCSR)
    assert call(linux, "irq_fpu_usable") & 0xFF == 0
    call(linux, "kernel_fpu_end")
    assert call(linux, "irq_fpu_usable") & 0xFF == 1


def test_nested_begin_warns_once_and_taints(linux):
    call(linux, "kernel_fpu_begin_mask", KFPU_MXCSR)
    call(linux, "kernel_fpu_begin_mask", KFPU_MXCSR)
    call(linux, "kernel_fpu_begin_mask", KFPU_MXCSR)
    assert linux.dmesg().count("WARNING: CPU: 0 PID:") == 1
    assert "kernel_fpu_begin_mask+0x0" in linux.dmesg()
    assert "W" in linux.taints


def test_end_without_begin_warns(linux):
    call(linux, "kernel_fpu_end")
    assert "kernel_fpu_end+0x0" in linux.dmesg() and "W" in linux.taints
