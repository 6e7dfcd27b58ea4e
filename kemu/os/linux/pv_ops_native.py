"""pv_ops' native entries as guest code: what a 6.1 kernel on bare metal leaves in pv_ops.

Modules built with CONFIG_PARAVIRT call through `call *pv_ops+N` (x86-64 CONFIG_PARAVIRT_XXL:
the irq, cr and tlb slots; i386 686-pae: only the tlb and lock slots exist). On hardware with
no hypervisor the kernel fills those slots with native_* functions (arch/x86/kernel/paravirt.c)
which execute the privileged instruction itself; here they are assembled into kernel text and
run by the emulated CPU, so the answer (EFLAGS, CR0, CR3 …) is the CPU's. Which slots exist
and where is read from the measured layout of struct paravirt_patch_template, never assumed.
"""
from __future__ import annotations

from .thunks import assemble

STRUCT = "struct paravirt_patch_template"

# slot -> native routine text, per arch (SysV AMD64: arg in rdi; i386 regparm(3): arg in eax)
NATIVE_X86_64 = {
    "irq.save_fl": "pushfq; pop rax; ret",
    "irq.irq_disable": "cli; ret",
    "irq.irq_enable": "sti; ret",
    "cpu.read_cr0": "mov rax, cr0; ret",
    "cpu.write_cr0": "mov cr0, rdi; ret",
    "cpu.write_cr4": "mov cr4, rdi; ret",
    "cpu.wbinvd": "wbinvd; ret",
    "mmu.read_cr2": "mov rax, cr2; ret",
    "mmu.write_cr2": "mov cr2, rdi; ret",
    "mmu.read_cr3": "mov rax, cr3; ret",
    "mmu.write_cr3": "mov cr3, rdi; ret",
    # native_flush_tlb_local / _global: reload CR3 (the emulated CPU drops its TLB)
    "mmu.flush_tlb_user": "mov rax, cr3; mov cr3, rax; ret",
    "mmu.flush_tlb_kernel": "mov rax, cr3; mov cr3, rax; ret",
    # native_flush_tlb_one_user(addr): invlpg
    "mmu.flush_tlb_one_user": "invlpg [rdi]; ret",
    # native_io_delay with io_delay_type 0x80 (CONFIG_IO_DELAY_0X80): a write to the POST port
    "cpu.io_delay": "out 0x80, al; ret",
    # the native lock ops (paravirt.c): unlock is PV_CALLEE_SAVE(__native_queued_spin_unlock),
    # a release store of 0 to the locked byte; wait and kick are paravirt_nop;
    # vcpu_is_preempted is PV_CALLEE_SAVE(__native_vcpu_is_preempted): never preempted
    "lock.queued_spin_unlock": "mov byte ptr [rdi], 0; ret",
    "lock.wait": "ret",
    "lock.kick": "ret",
    "lock.vcpu_is_preempted": "xor eax, eax; ret",
}
NATIVE_I386 = {
    "cpu.io_delay": "out 0x80, al; ret",
    "lock.queued_spin_unlock": "mov byte ptr [eax], 0; ret",
    "lock.wait": "ret",
    "lock.kick": "ret",
    "lock.vcpu_is_preempted": "xor eax, eax; ret",
    "mmu.flush_tlb_user": "push eax; mov eax, cr3; mov cr3, eax; pop eax; ret",
    "mmu.flush_tlb_kernel": "push eax; mov eax, cr3; mov cr3, eax; pop eax; ret",
    "mmu.flush_tlb_one_user": "invlpg [eax]; ret",
}


#: slot -> the service (services/paravirt.py) that is its native C function
NATIVE_SERVICES = {
    "irq.safe_halt": "__kemu_native_safe_halt",
    "irq.halt": "__kemu_native_halt",
    "lock.queued_spin_lock_slowpath": "__kemu_native_queued_spin_lock_slowpath",
}
#: offset of sp0 in struct tss_struct: x86_tss is the packed hardware TSS (u32 reserved1, u64 sp0)
TSS_SP0 = 4


def native_routines(system) -> dict[str, str]:
    """slot -> native routine text for this system's arch, including those that need an
    address only known at boot (native_load_sp0 writes the per-CPU cpu_tss_rw)."""
    m = system.machine
    table = dict(NATIVE_X86_64 if m.arch == "x86_64" else NATIVE_I386)
    tss = system.kernel.symbols.get("cpu_tss_rw")
    if m.arch == "x86_64" and tss is not None:
        # this_cpu_write(cpu_tss_rw.x86_tss.sp0, sp0): %gs-relative, the symbol is the offset
        table["cpu.load_sp0"] = f"mov qword ptr gs:[{tss.addr + TSS_SP0:#x}], rdi; ret"
    return table


def fill_native_pv_ops(system) -> dict[str, int]:
    """Assemble the native routine of every pv_ops slot this arch's layout has and point the
    slot at it; slots whose native function is C point at its service. Returns slot ->
    routine address (slots already filled are left alone)."""
    base = system.data.get("pv_ops")
    if base is None:
        return {}
    m, lay = system.machine, system.layout
    table = native_routines(system)
    placed: dict[str, int] = {}
    installed = system.kernel.installed
    for slot, service in NATIVE_SERVICES.items():
        if lay.has(STRUCT, slot) and service in installed:
            at = base + lay.offset(STRUCT, slot)
            if not m.mem.read_ptr(at):
                m.mem.write_ptr(at, installed[service][1])
                placed[slot] = installed[service][1]
    for slot, text in table.items():
        if not lay.has(STRUCT, slot):
            continue
        at = base + lay.offset(STRUCT, slot)
        if m.mem.read_ptr(at):
            continue
        size = len(assemble(m.arch, text, 0)) + 16
        addr = m.alloc("ktext", size, 16)
        m.mem.load_code(addr, assemble(m.arch, text, addr))
        name = "native_" + slot.split(".", 1)[1]
        m.symbolizers.append(lambda a, n=name, s=addr, e=addr + size: (n, a - s) if s <= a < e else None)
        m.mem.write_ptr(at, addr)
        placed[slot] = addr
    return placed
