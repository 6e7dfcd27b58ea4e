"""The one CPU of the emulated machine as the Linux kernel knows it.

Boot (`setup`): the CPU masks (possible, present, online, active: CPU 0), nr_cpu_ids = 1,
__per_cpu_offset[0] and this_cpu_off (x86-64: the per-CPU area, since per-CPU symbols are
offsets; i386: 0, since they are addresses reached through the flat %fs), cpu_number = 0, and
`struct cpuinfo_x86` in boot_cpu_data and cpu_data(0) filled from what the CPU's CPUID
instruction answers (family, model, stepping, vendor, model name, the capability words
cpu_has() tests) — as identify_boot_cpu() does.

CPUID, RDMSR and WRMSR are executed by the emulated CPU itself, through small routines
assembled into kernel text: the answers are the CPU's, not a table of kemu's. What the CPU
lacks is the #GP a real one raises for an MSR it does not implement: Unicorn's RDMSR reads
0 and its WRMSR ignores the write for any number its TCG helper has no case for. So
`IMPLEMENTED_MSRS` lists the numbers that helper implements (QEMU target/i386 helper_rdmsr)
and the *_safe services treat every other number as the faulting access it is on hardware,
returning -EIO as the kernel's exception-table fixup makes rdmsr_safe() return.
"""
from __future__ import annotations

from .thunks import assemble

# MSRs the emulated CPU implements (its RDMSR/WRMSR helper has a case for them)
IMPLEMENTED_MSRS = frozenset(
    [0x1B,                                   # IA32_APIC_BASE
     0x8B,                                   # IA32_UCODE_REV
     0x174, 0x175, 0x176,                    # IA32_SYSENTER_CS/ESP/EIP
     0x179, 0x17A, 0x17B,                    # IA32_MCG_CAP/STATUS/CTL
     0x198,                                  # IA32_PERF_STATUS
     0x1A0,                                  # IA32_MISC_ENABLE
     0xFE,                                   # MTRRcap
     0x2FF,                                  # MTRRdefType
     0x250, 0x258, 0x259,                    # MTRRfix64K_00000, fix16K_80000/A0000
     0x277,                                  # IA32_PAT
     0xD90,                                  # IA32_BNDCFGS
     0x34,                                   # SMI_COUNT
     0xC0000080, 0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084,   # EFER STAR LSTAR CSTAR FMASK
     0xC0000100, 0xC0000101, 0xC0000102, 0xC0000103,               # FS/GS/KERNEL_GS_BASE TSC_AUX
     0xC0010117]                             # VM_HSAVE_PA
    + list(range(0x200, 0x210))              # MTRRphysBase/Mask 0..7
    + list(range(0x268, 0x270)))             # MTRRfix4K_C0000 … F8000

# of those, the ones whose value is the CPU's to report, not software's to set: a write #GPs
READ_ONLY_MSRS = frozenset([0x8B, 0x179, 0x198, 0xFE, 0x34])

# the capability words of struct cpuinfo_x86 (arch/x86/include/asm/cpufeatures.h) by CPUID leaf
CAPABILITY_WORDS = {0: (1, 0, "edx"), 1: (0x80000001, 0, "edx"), 4: (1, 0, "ecx"),
                    6: (0x80000001, 0, "ecx"), 9: (7, 0, "ebx"), 16: (7, 0, "ecx"), 18: (7, 0, "edx")}
VENDORS = {"GenuineIntel": 0, "CyrixInstead": 1, "AuthenticAMD": 2, "UMC UMC UMC ": 3,
           "CentaurHauls": 5, "GenuineTMx86": 7, "Geode by NSC": 8, "HygonGenuine": 9,
           "  Shanghai  ": 10, "Vortex86 SoC": 11}
X86_VENDOR_UNKNOWN = 0xFF
REGS = ("eax", "ebx", "ecx", "edx")


def _routines(arch: str) -> dict[str, str]:
    """cpuid(leaf, subleaf, u32 out[4]); rdmsr(msr, u32 out[2]); wrmsr(msr, lo, hi)."""
    if arch == "x86_64":
        return {"cpuid": "push rbx; mov r8, rdx; mov eax, edi; mov ecx, esi; cpuid; mov [r8], eax; "
                         "mov [r8+4], ebx; mov [r8+8], ecx; mov [r8+12], edx; pop rbx; ret",
                "rdmsr": "mov ecx, edi; rdmsr; mov [rsi], eax; mov [rsi+4], edx; ret",
                "wrmsr": "mov ecx, edi; mov eax, esi; wrmsr; ret",
                # pv_ops.cpu's native versions (arch/x86/include/asm/processor.h, msr.h)
                "native_cpuid": "push rbx; mov r8, rdx; mov r9, rcx; mov eax, [rdi]; mov ecx, [r8]; cpuid; "
                                "mov [rdi], eax; mov [rsi], ebx; mov [r8], ecx; mov [r9], edx; pop rbx; ret",
                "native_read_msr": "mov ecx, edi; rdmsr; shl rdx, 32; or rax, rdx; ret",
                "native_write_msr": "mov ecx, edi; mov eax, esi; wrmsr; ret"}
    # regparm(3): eax, edx, ecx
    return {"cpuid": "push ebx; push edi; mov edi, ecx; mov ecx, edx; cpuid; mov [edi], eax; "
                     "mov [edi+4], ebx; mov [edi+8], ecx; mov [edi+12], edx; pop edi; pop ebx; ret",
            "rdmsr": "push ebx; mov ebx, edx; mov ecx, eax; rdmsr; mov [ebx], eax; mov [ebx+4], edx; "
                     "pop ebx; ret",
            "wrmsr": "push ebx; mov ebx, eax; mov eax, edx; mov edx, ecx; mov ecx, ebx; wrmsr; pop ebx; ret"}


class Cpu:
    """CPU 0: its CPUID and MSRs, run on the emulated processor."""

    online = (0,)

    def __init__(self, system):
        self.system = system
        m = system.machine
        self.routines: dict[str, int] = {}
        for name, text in _routines(m.arch).items():
            size = len(assemble(m.arch, text, 0)) + 16
            addr = m.alloc("ktext", size, 16)
            m.mem.load_code(addr, assemble(m.arch, text, addr))
            self.routines[name] = addr
            m.symbolizers.append(lambda a, n=name, s=addr, e=addr + size: (f"kemu_{n}", a - s) if s <= a < e else None)
        self.scratch = m.alloc("kdata", 16, 16)

    def _call(self, name: str, *args: int) -> None:
        self.system.machine.call(self.routines[name], *args)

    def cpuid(self, leaf: int, subleaf: int = 0) -> tuple[int, int, int, int]:
        """(eax, ebx, ecx, edx) the CPU's CPUID instruction gives for leaf/subleaf."""
        self._call("cpuid", leaf & 0xFFFFFFFF, subleaf & 0xFFFFFFFF, self.scratch)
        raw = self.system.machine.mem.read(self.scratch, 16)
        return tuple(int.from_bytes(raw[i:i + 4], "little") for i in range(0, 16, 4))

    @staticmethod
    def implements(msr: int) -> bool:
        return msr in IMPLEMENTED_MSRS

    def rdmsr(self, msr: int) -> int | None:
        """The MSR's 64-bit value, or None where the CPU would raise #GP."""
        if not self.implements(msr):
            return None
        self._call("rdmsr", msr, self.scratch)
        return self.system.machine.mem.read_u64(self.scratch)

    def wrmsr(self, msr: int, value: int) -> bool:
        """Write the MSR; False where the CPU would raise #GP. (Like every register, it keeps
        its value until the outermost guest call that wrote it returns.)"""
        if not self.implements(msr) or msr in READ_ONLY_MSRS:
            return False
        self._call("wrmsr", msr, value & 0xFFFFFFFF, (value >> 32) & 0xFFFFFFFF)
        return True

    # --- boot ----------------------------------------------------------------------------------
    def setup(self) -> None:
        """The CPU masks, per-CPU offsets and cpuinfo_x86 of a booted 1-CPU kernel."""
        s = self.system
        mem, data, word = s.machine.mem, s.data, s.machine.word_size
        for mask in ("__cpu_possible_mask", "__cpu_present_mask", "__cpu_online_mask", "__cpu_active_mask"):
            if mask in data:
                mem.write_u8(data[mask], 1)
        if "nr_cpu_ids" in data:
            mem.write_u32(data["nr_cpu_ids"], 1)
        if "__num_online_cpus" in data:                  # num_online_cpus(): the atomic_t
            mem.write_u32(data["__num_online_cpus"], 1)
        offset = s.percpu.addr if s.arch == "x86_64" else 0
        if "__per_cpu_offset" in data:
            mem.write_int(data["__per_cpu_offset"], word, offset)
        for name, value, size in (("this_cpu_off", offset, word), ("cpu_number", 0, 4)):
            addr = self.percpu_address(name)
            if addr is not None:
                mem.write_int(addr, size, value)
        info = self.cpuinfo()
        for addr in (data.get("boot_cpu_data"), self.percpu_address("cpu_info")):
            if addr is not None:
                mem.write(addr, info)

    def fill_pv_ops(self, safe_read: int | None, safe_write: int | None) -> None:
        """pv_ops.cpu's CPUID and MSR entries (x86-64's CONFIG_PARAVIRT_XXL: modules call
        cpuid() through them) pointed at the native routines, the *_safe ones at the services
        that know which MSRs fault."""
        s = self.system
        base = s.data.get("pv_ops")
        if base is None:
            return
        struct = "struct paravirt_patch_template"
        for field, addr in (("cpu.cpuid", self.routines.get("native_cpuid")),
                            ("cpu.read_msr", self.routines.get("native_read_msr")),
                            ("cpu.write_msr", self.routines.get("native_write_msr")),
                            ("cpu.read_msr_safe", safe_read), ("cpu.write_msr_safe", safe_write)):
            if addr and s.layout.has(struct, field):
                s.machine.mem.write_ptr(base + s.layout.offset(struct, field), addr)

    def percpu_address(self, name: str) -> int | None:
        """Where CPU 0's copy of a per-CPU export is."""
        sym = self.system.kernel.symbols.get(name)
        if sym is None:
            return None
        return sym.addr + (self.system.percpu.addr if self.system.arch == "x86_64" else 0)

    def cpuinfo(self) -> bytes:
        """struct cpuinfo_x86 as identify_cpu() fills it from CPUID."""
        lay = self.system.layout
        struct = "struct cpuinfo_x86"
        out = bytearray(lay.size(struct))

        def put(field: str, value: int, size: int | None = None) -> None:
            at = lay.offset(struct, field)
            n = size or lay.field_size(struct, field)
            out[at:at + n] = (value & ((1 << (8 * n)) - 1)).to_bytes(n, "little")

        max_leaf, b, c, d = self.cpuid(0)
        vendor = b"".join(r.to_bytes(4, "little") for r in (b, d, c))
        at = lay.offset(struct, "x86_vendor_id")
        out[at:at + 12] = vendor
        put("x86_vendor", VENDORS.get(vendor.decode("latin-1"), X86_VENDOR_UNKNOWN))
        put("cpuid_level", max_leaf)
        signature = self.cpuid(1)[0] if max_leaf >= 1 else 0
        family = (signature >> 8) & 0xF
        model = (signature >> 4) & 0xF
        if family == 0xF:
            family += (signature >> 20) & 0xFF
        if family >= 6:
            model += ((signature >> 16) & 0xF) << 4
        put("x86", family)
        put("x86_model", model)
        put("x86_stepping", signature & 0xF)
        max_ext = self.cpuid(0x80000000)[0]
        caps = lay.offset(struct, "x86_capability")
        for word, (leaf, sub, reg) in CAPABILITY_WORDS.items():
            top = max_ext if leaf >= 0x80000000 else max_leaf
            value = self.cpuid(leaf, sub)[REGS.index(reg)] if leaf <= top else 0
            out[caps + 4 * word:caps + 4 * word + 4] = value.to_bytes(4, "little")
        if max_ext >= 0x80000004:
            name = b"".join(r.to_bytes(4, "little") for leaf in (0x80000002, 0x80000003, 0x80000004)
                            for r in self.cpuid(leaf))
            at = lay.offset(struct, "x86_model_id")
            out[at:at + 48] = name.split(b"\0", 1)[0].strip().ljust(48, b"\0")[:48]
        put("cpu_index", 0)
        return bytes(out)
