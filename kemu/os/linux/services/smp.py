"""CPU hotplug states and cross-CPU calls (kernel/cpu.c, kernel/smp.c) and the MSR accessors
built on them (arch/x86/lib/msr-smp.c), for the machine's single CPU, CPU 0, which is online.

Everything a real SMP kernel would run "on CPU n" runs here, now, on CPU 0 — which is what
the kernel itself does when n is the calling CPU: the function is called directly with
interrupts off. Any other CPU number is offline: -ENXIO, as the kernel answers.
The numbers of the hotplug states are those of Debian's 6.1 include/linux/cpuhotplug.h
(measured by a kbuild probe)."""
from __future__ import annotations

from dataclasses import dataclass

from kemu.kernel import ServiceTable

from .owner import owning_module

table = ServiceTable("smp")

CPUHP_BP_PREPARE_DYN, CPUHP_BP_PREPARE_DYN_END = 70, 90
CPUHP_AP_ONLINE_DYN, CPUHP_AP_ONLINE_DYN_END = 201, 231
CPUHP_ONLINE = 236
CSD_FLAG_LOCK = 0x01


@dataclass
class HotplugState:
    """A registered step of bringing a CPU up (startup) and down (teardown)."""
    state: int
    name: str
    startup: int
    teardown: int
    multi_instance: bool
    module: object


def _states(k) -> dict[int, HotplugState]:
    return k.linux.cpuhp_states


def _online(k, cpu: int) -> bool:
    return cpu in k.linux.cpu.online


def _run_step(k, fn: int, cpu: int, what: str) -> int:
    return k.linux.call_kernel_pointer(fn, cpu, what=what) if fn else 0


@table.service("int __cpuhp_setup_state(enum cpuhp_state state, const char *name, bool invoke, "
               "int (*startup)(unsigned int cpu), int (*teardown)(unsigned int cpu), bool multi_instance)",
               needs_call=True)
def __cpuhp_setup_state(k, state: int, name: int, invoke: int, startup: int, teardown: int,
                        multi_instance: int, call=None) -> int:
    """Register a hotplug state; a *_DYN request gets the first free dynamic number, which
    is returned. With `invoke`, startup runs for every online CPU now (a failure undoes
    the CPUs done before and the registration, and is returned)."""
    e, states = k.errno, _states(k)
    state = state - (1 << 32) if state >> 31 else state
    if not name or not (0 < state < CPUHP_ONLINE):
        return -e.EINVAL
    dynamic = state in (CPUHP_AP_ONLINE_DYN, CPUHP_BP_PREPARE_DYN)
    if dynamic:
        end = CPUHP_AP_ONLINE_DYN_END if state == CPUHP_AP_ONLINE_DYN else CPUHP_BP_PREPARE_DYN_END
        free = [s for s in range(state, end) if s not in states]
        if not free:
            return -e.ENOSPC
        state = free[0]
    elif state in states:
        return -e.EBUSY
    text = k.read_str(name, 64).decode("latin-1")
    entry = HotplugState(state, text, startup, teardown, bool(multi_instance), owning_module(k, call))
    states[state] = entry
    if entry.module is not None:
        entry.module.on_unload(f"cpuhp state {text}", lambda: states.pop(state, None))
    if invoke and startup and not multi_instance:
        done = []
        for cpu in k.linux.cpu.online:
            ret = _run_step(k, startup, cpu, f"cpuhp {text}: startup")
            if ret:
                ret = ret - (1 << 32) if ret >> 31 else ret
                for back in reversed(done):
                    _run_step(k, teardown, back, f"cpuhp {text}: teardown")
                _forget(k, entry)
                return ret
            done.append(cpu)
    return state if dynamic else 0


def _forget(k, entry: HotplugState) -> None:
    _states(k).pop(entry.state, None)
    if entry.module is not None:
        entry.module.forget_undo(f"cpuhp state {entry.name}")


@table.service("void __cpuhp_remove_state(enum cpuhp_state state, bool invoke)")
def __cpuhp_remove_state(k, state: int, invoke: int) -> None:
    """Unregister a state; with `invoke`, its teardown runs for every online CPU first."""
    entry = _states(k).get(state)
    if entry is None:
        return
    if invoke and entry.teardown and not entry.multi_instance:
        for cpu in reversed(k.linux.cpu.online):
            _run_step(k, entry.teardown, cpu, f"cpuhp {entry.name}: teardown")
    _forget(k, entry)


@table.service("int smp_call_function_single(int cpu, void (*func)(void *info), void *info, int wait)")
def smp_call_function_single(k, cpu: int, func: int, info: int, wait: int) -> int:
    """Run func(info) on `cpu`: on this CPU, directly; -ENXIO for a CPU not online."""
    if not _online(k, cpu):
        return -k.errno.ENXIO
    k.linux.call_kernel_word(func, info, what="smp_call_function_single")
    return 0


@table.service("int smp_call_function_single_async(int cpu, struct __call_single_data *csd)")
def smp_call_function_single_async(k, cpu: int, csd: int) -> int:
    """Run csd->func(csd->info) on `cpu` (here, now); -EBUSY while the csd is still locked by
    an earlier request, -ENXIO for a CPU not online."""
    lay, mem = k.linux.layout, k.machine.mem
    flags_at = csd + lay.offset("struct __call_single_data", "node") + k.machine.word_size
    if mem.read_u32(flags_at) & CSD_FLAG_LOCK:
        return -k.errno.EBUSY
    if not _online(k, cpu):
        return -k.errno.ENXIO
    func = mem.read_ptr(csd + lay.offset("struct __call_single_data", "func"))
    info = mem.read_ptr(csd + lay.offset("struct __call_single_data", "info"))
    k.linux.call_kernel_word(func, info, what="smp_call_function_single_async")
    return 0


# --- MSRs on a CPU (arch/x86/lib/msr-smp.c) -----------------------------------------------------

def _store_u32(k, addr: int, value: int) -> None:
    k.check_length(addr, 4, "write")
    k.machine.mem.write_u32(addr, value & 0xFFFFFFFF)


@table.service("int rdmsr_safe_on_cpu(unsigned int cpu, u32 msr_no, u32 *l, u32 *h)")
def rdmsr_safe_on_cpu(k, cpu: int, msr_no: int, l: int, h: int) -> int:
    """Read an MSR on `cpu` with the CPU's RDMSR; an MSR it does not implement faults, and the
    exception-table fixup makes the result -EIO with *l = *h = 0."""
    if not _online(k, cpu):
        value, ret = 0, -k.errno.ENXIO
    else:
        value = k.linux.cpu.rdmsr(msr_no)
        ret = 0 if value is not None else -k.errno.EIO
    _store_u32(k, l, value or 0)
    _store_u32(k, h, (value or 0) >> 32)
    return ret


@table.service("int wrmsr_safe_on_cpu(unsigned int cpu, u32 msr_no, u32 l, u32 h)")
def wrmsr_safe_on_cpu(k, cpu: int, msr_no: int, l: int, h: int) -> int:
    """Write an MSR on `cpu` with the CPU's WRMSR; -EIO where it faults."""
    if not _online(k, cpu):
        return -k.errno.ENXIO
    return 0 if k.linux.cpu.wrmsr(msr_no, (h << 32) | l) else -k.errno.EIO


@table.service("int rdmsrl_safe_on_cpu(unsigned int cpu, u32 msr_no, u64 *q)")
def rdmsrl_safe_on_cpu(k, cpu: int, msr_no: int, q: int) -> int:
    """rdmsr_safe_on_cpu into one u64."""
    value = k.linux.cpu.rdmsr(msr_no) if _online(k, cpu) else None
    k.check_length(q, 8, "write")
    k.machine.mem.write_u64(q, value or 0)
    if not _online(k, cpu):
        return -k.errno.ENXIO
    return 0 if value is not None else -k.errno.EIO


@table.service("int wrmsrl_safe_on_cpu(unsigned int cpu, u32 msr_no, u64 q)")
def wrmsrl_safe_on_cpu(k, cpu: int, msr_no: int, q: int) -> int:
    """wrmsr_safe_on_cpu from one u64."""
    if not _online(k, cpu):
        return -k.errno.ENXIO
    return 0 if k.linux.cpu.wrmsr(msr_no, q) else -k.errno.EIO


# u32 regs[8] of the *_regs variants: eax, ecx, edx, ebx, esp (unused), ebp, esi, edi
EAX, ECX, EDX = 0, 1, 2


@table.service("int rdmsr_safe_regs_on_cpu(unsigned int cpu, u32 regs[8])")
def rdmsr_safe_regs_on_cpu(k, cpu: int, regs: int) -> int:
    """RDMSR of regs[ecx] into regs[eax]/regs[edx] (the other registers as they were); -EIO
    where it faults."""
    if not _online(k, cpu):
        return -k.errno.ENXIO
    k.check_length(regs, 32, "write")
    mem = k.machine.mem
    value = k.linux.cpu.rdmsr(mem.read_u32(regs + 4 * ECX))
    if value is None:
        return -k.errno.EIO
    mem.write_u32(regs + 4 * EAX, value & 0xFFFFFFFF)
    mem.write_u32(regs + 4 * EDX, value >> 32)
    return 0


@table.service("int wrmsr_safe_regs_on_cpu(unsigned int cpu, u32 regs[8])")
def wrmsr_safe_regs_on_cpu(k, cpu: int, regs: int) -> int:
    """WRMSR of regs[edx]:regs[eax] to regs[ecx]; -EIO where it faults."""
    if not _online(k, cpu):
        return -k.errno.ENXIO
    k.check_length(regs, 32, "read")
    mem = k.machine.mem
    value = mem.read_u32(regs + 4 * EAX) | (mem.read_u32(regs + 4 * EDX) << 32)
    return 0 if k.linux.cpu.wrmsr(mem.read_u32(regs + 4 * ECX), value) else -k.errno.EIO


# --- pv_ops.cpu.read_msr_safe / write_msr_safe (native_read_msr_safe, native_write_msr_safe) --

@table.service("u64 __kemu_native_read_msr_safe(unsigned int msr, int *err)")
def __kemu_native_read_msr_safe(k, msr: int, err: int) -> int:
    """RDMSR on this CPU; *err = -EIO (and 0 read) where the access faults."""
    value = k.linux.cpu.rdmsr(msr)
    k.check_length(err, 4, "write")
    k.machine.mem.write_u32(err, 0 if value is not None else -k.errno.EIO & 0xFFFFFFFF)
    return value or 0


@table.service("int __kemu_native_write_msr_safe(unsigned int msr, unsigned int low, unsigned int high)")
def __kemu_native_write_msr_safe(k, msr: int, low: int, high: int) -> int:
    """WRMSR on this CPU; -EIO where it faults."""
    return 0 if k.linux.cpu.wrmsr(msr, (high << 32) | low) else -k.errno.EIO
