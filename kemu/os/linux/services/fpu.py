"""Kernel-mode FPU and SIMD sections (arch/x86/kernel/fpu/core.c in 6.1): code that uses
SSE/AVX in the kernel (lib/raid6's syndrome functions, the crypto glue) brackets it with
kernel_fpu_begin_mask()/kernel_fpu_end().

begin marks the CPU's FPU as taken by the kernel (per-CPU in_kernel_fpu), puts the
interrupted task's registers aside, and loads sane control state: MXCSR_DEFAULT for
KFPU_MXCSR, `fninit` for KFPU_387. end gives the task its registers back. Debian builds with
CONFIG_X86_DEBUG_FPU, so a nested begin or an end without begin is WARN_ON_ONCE's report, as
is an FPU section left open when the module goes. irq_fpu_usable() answers from the same flag.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .taint import TAINT_LETTERS

table = ServiceTable("fpu")

KFPU_387 = 1 << 0            # arch/x86/include/asm/fpu/api.h
KFPU_MXCSR = 1 << 1
MXCSR_DEFAULT = 0x1F80       # all exceptions masked, round to nearest
FNINIT = {"fpcw": 0x037F, "fpsw": 0, "fptag": 0xFFFF}     # what `fninit` leaves (all registers empty)
SAVED = ("fpcw", "fpsw", "fptag", "mxcsr")


class KernelFpu:
    """CPU 0's in_kernel_fpu flag and the task registers begin put aside."""

    def __init__(self) -> None:
        self.saved: dict[str, int] | None = None
        self.warned: set[str] = set()

    @property
    def in_use(self) -> bool:
        return self.saved is not None


def kernel_fpu(k) -> KernelFpu:
    linux = k.linux
    if "kernel_fpu" not in linux.__dict__:
        linux.__dict__["kernel_fpu"] = KernelFpu()
    return linux.__dict__["kernel_fpu"]


def _warn_once(k, fpu: KernelFpu, where: str) -> None:
    """WARN_ON_ONCE inside the kernel function `where`: the report, taint W, once per site."""
    if where in fpu.warned:
        return
    fpu.warned.add(where)
    from ..bugs import BUGFLAG_ONCE, BUGFLAG_WARNING, BugEntry, warn   # only when it happens
    k.linux.pr("------------[ cut here ]------------", 4)
    flags = BUGFLAG_WARNING | BUGFLAG_ONCE | (TAINT_LETTERS.index("W") << 8)
    warn(k.linux, BugEntry(0, k.installed[where][1], None, 0, flags), k.installed[where][1])


@table.service("void kernel_fpu_begin_mask(unsigned int kfpu_mask)", needs_call=True)
def kernel_fpu_begin_mask(k, kfpu_mask: int, call=None) -> None:
    """Take the FPU for kernel code: the task's registers are put aside, then MXCSR and the
    x87 state get their defaults as the mask asks."""
    fpu, regs = kernel_fpu(k), k.machine.regs
    if fpu.in_use:
        _warn_once(k, fpu, "kernel_fpu_begin_mask")      # WARN_ON_FPU(this_cpu_read(in_kernel_fpu))
    else:
        fpu.saved = {name: regs.read(name) for name in SAVED}
        module = k.loader.module_at(call.return_address) if call is not None else None
        if module is not None:
            module.on_unload("kernel FPU section", lambda: _left_open(k, module.name))
    if kfpu_mask & KFPU_MXCSR:
        regs.write("mxcsr", MXCSR_DEFAULT)
    if kfpu_mask & KFPU_387:
        for name, value in FNINIT.items():
            regs.write(name, value)


def _left_open(k, name: str) -> None:
    fpu = kernel_fpu(k)
    if fpu.in_use:
        k.linux.pr(f"{name}: unloaded inside kernel_fpu_begin() without kernel_fpu_end()", 4)
        fpu.saved = None


@table.service("void kernel_fpu_end(void)", needs_call=True)
def kernel_fpu_end(k, call=None) -> None:
    """Give the FPU back: the task's registers return."""
    fpu = kernel_fpu(k)
    if not fpu.in_use:
        _warn_once(k, fpu, "kernel_fpu_end")             # WARN_ON_FPU(!this_cpu_read(in_kernel_fpu))
        return
    for name, value in fpu.saved.items():
        k.machine.regs.write(name, value)
    fpu.saved = None
    module = k.loader.module_at(call.return_address) if call is not None else None
    if module is not None:
        module.forget_undo("kernel FPU section")


@table.service("bool irq_fpu_usable(void)")
def irq_fpu_usable(k) -> int:
    """True unless kernel code holds the FPU already (one CPU, no interrupt context here)."""
    return 0 if kernel_fpu(k).in_use else 1
