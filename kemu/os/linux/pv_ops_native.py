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
}
NATIVE_I386 = {
    "mmu.flush_tlb_user": "push eax; mov eax, cr3; mov cr3, eax; pop eax; ret",
    "mmu.flush_tlb_kernel": "push eax; mov eax, cr3; mov cr3, eax; pop eax; ret",
    "mmu.flush_tlb_one_user": "invlpg [eax]; ret",
}


def fill_native_pv_ops(system) -> dict[str, int]:
    """Assemble the native routine of every pv_ops slot this arch's layout has and point the
    slot at it. Returns slot -> routine address (slots already filled are left alone)."""
    base = system.data.get("pv_ops")
    if base is None:
        return {}
    m, lay = system.machine, system.layout
    table = NATIVE_X86_64 if m.arch == "x86_64" else NATIVE_I386
    placed: dict[str, int] = {}
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
