"""What the emulated CPU is, asked the way modules ask it (arch/x86/kernel/cpu/match.c,
arch/x86/kernel/fpu/xstate.c, arch/x86/kernel/cpu/hypervisor.c, arch/x86/hyperv/hv_init.c
in Linux 6.1). Every answer comes from boot_cpu_data (filled by cpu.py from the CPU's own
CPUID) or from CPUID itself, never from a table of kemu's.

* x86_match_cpu(match) walks the module's `struct x86_cpu_id` table up to its all-zero entry
  (vendor, family, model and feature all 0) and returns the first entry whose vendor
  (X86_VENDOR_ANY 0xffff matches all), family, model (0: any), steppings (a bit mask of
  steppings; 0: any) and feature (a capability bit boot_cpu_data has; 0: any) agree, or NULL.
* cpu_has_xfeatures(mask, &name): whether every XSAVE feature in `mask` is among those the
  kernel enabled: CPUID leaf 0xD's supported set, limited to what 6.1 supports and to the
  features whose CPUID bit the CPU reports (no XSAVE: x87 and SSE only). `*name`, when asked,
  is the name of the highest missing feature (or of the highest requested one).
* kvm_para_available / hv_is_hyperv_initialized: the hypervisor signature in CPUID leaves
  0x40000000 + n*0x100 (only looked for when CPUID says a hypervisor is present): "KVMKVMKVM"
  for KVM, "Microsoft Hv" for Hyper-V. This CPU (QEMU's TCG) shows none, so both are false,
  and a Hyper-V module's init refuses as on any non-Hyper-V guest.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..kernel_state import state

table = ServiceTable("x86_cpu_match")

X86_VENDOR_ANY = 0xFFFF
X86_FEATURE_HYPERVISOR = 4 * 32 + 31
X86_FEATURE_XSAVE = 4 * 32 + 26

# XSAVE feature bit -> the X86_FEATURE_* that must be present for the kernel to enable it
# (xsave_cpuid_features[]); features 6.1 does not support are absent
XSAVE_CPUID_FEATURE = {0: 0 * 32 + 0,          # x87: FPU
                       1: 0 * 32 + 25,         # SSE: XMM
                       2: 4 * 32 + 28,         # YMM: AVX
                       3: 9 * 32 + 14, 4: 9 * 32 + 14,              # BNDREGS, BNDCSR: MPX
                       5: 9 * 32 + 16, 6: 9 * 32 + 16, 7: 9 * 32 + 16,  # OPMASK, ZMM_Hi256, Hi16_ZMM: AVX512F
                       9: 16 * 32 + 3,         # PKRU: PKU
                       10: 16 * 32 + 29,       # PASID: ENQCMD
                       17: 18 * 32 + 24, 18: 18 * 32 + 24}          # XTILE_CFG, XTILE_DATA: AMX_TILE
XFEATURE_NAMES = ("x87 floating point registers", "SSE registers", "AVX registers", "MPX bounds registers",
                  "MPX CSR", "AVX-512 opmask", "AVX-512 Hi256", "AVX-512 ZMM_Hi256", "Processor Trace (unused)",
                  "Protection Keys User registers", "PASID state") + ("unknown xstate feature",) * 6 + \
                 ("AMX Tile config", "AMX Tile data", "unknown xstate feature")
KVM_SIGNATURE = b"KVMKVMKVM\0\0\0"
HYPERV_SIGNATURE = b"Microsoft Hv"


class CpuFacts:
    """boot_cpu_data read back, and what was derived from CPUID once (it does not change)."""

    def __init__(self, linux) -> None:
        self.linux = linux
        self._bases: dict[bytes, int] = {}
        self._xfeatures: int | None = None
        self._names: dict[int, int] = {}

    def field(self, name: str) -> int:
        lay, mem = self.linux.layout, self.linux.machine.mem
        at = self.linux.data["boot_cpu_data"] + lay.offset("struct cpuinfo_x86", name)
        return mem.read_int(at, lay.field_size("struct cpuinfo_x86", name))

    def has(self, feature: int) -> bool:
        """cpu_has(&boot_cpu_data, feature): the bit in x86_capability."""
        lay = self.linux.layout
        words = lay.field_size("struct cpuinfo_x86", "x86_capability") // 4
        if not 0 <= feature < 32 * words:
            return False
        at = (self.linux.data["boot_cpu_data"] + lay.offset("struct cpuinfo_x86", "x86_capability")
              + 4 * (feature // 32))
        return bool(self.linux.machine.mem.read_u32(at) >> (feature % 32) & 1)

    def hypervisor_base(self, signature: bytes) -> int:
        """hypervisor_cpuid_base(): the CPUID leaf carrying `signature`, 0 when none does."""
        if signature not in self._bases:
            base = 0
            if self.has(X86_FEATURE_HYPERVISOR):
                for leaf in range(0x40000000, 0x40010000, 0x100):
                    _, b, c, d = self.linux.cpu.cpuid(leaf)
                    if b"".join(r.to_bytes(4, "little") for r in (b, c, d)) == signature:
                        base = leaf
                        break
            self._bases[signature] = base
        return self._bases[signature]

    def xfeatures(self) -> int:
        """fpu_kernel_cfg.max_features as fpu__init_system_xstate() computes it."""
        if self._xfeatures is None:
            if not self.has(X86_FEATURE_XSAVE) or self.field("cpuid_level") < 0xD:
                mask = 0b11                       # FXSAVE: x87 and SSE
            else:
                a, _, _, d = self.linux.cpu.cpuid(0xD, 0)
                mask = a | d << 32
                for bit in range(64):
                    feature = XSAVE_CPUID_FEATURE.get(bit)
                    if mask >> bit & 1 and (feature is None or not self.has(feature)):
                        mask &= ~(1 << bit)
            self._xfeatures = mask
        return self._xfeatures

    def xfeature_name(self, index: int) -> int:
        """A kernel string holding xfeature_names[index]."""
        if index not in self._names:
            raw = XFEATURE_NAMES[index].encode() + b"\0"
            addr = self.linux.machine.alloc("kdata", len(raw), 1)
            self.linux.machine.mem.write(addr, raw)
            self._names[index] = addr
        return self._names[index]


def facts(k) -> CpuFacts:
    return state(k, "cpu_facts", CpuFacts)


def _id_field(k, entry: int, name: str) -> int:
    return k.machine.mem.read_u16(entry + k.linux.layout.offset("struct x86_cpu_id", name))


def id_matches(k, c: CpuFacts, entry: int) -> bool:
    """One struct x86_cpu_id against the boot CPU (x86_match_cpu's tests, in its order)."""
    vendor, family, model = (_id_field(k, entry, f) for f in ("vendor", "family", "model"))
    steppings, feature = _id_field(k, entry, "steppings"), _id_field(k, entry, "feature")
    if vendor != X86_VENDOR_ANY and c.field("x86_vendor") != vendor:
        return False
    if family and c.field("x86") != family:
        return False
    if model and c.field("x86_model") != model:
        return False
    if steppings and not steppings >> c.field("x86_stepping") & 1:
        return False
    return not feature or c.has(feature)


@table.service("const struct x86_cpu_id *x86_match_cpu(const struct x86_cpu_id *match)")
def x86_match_cpu(k, match: int) -> int:
    """The first entry of the module's table describing this CPU, or NULL."""
    c, size = facts(k), k.linux.layout.size("struct x86_cpu_id")
    entry = match
    while any(_id_field(k, entry, f) for f in ("vendor", "family", "model", "feature")):
        if id_matches(k, c, entry):
            return entry
        entry += size
    return 0


@table.service("int cpu_has_xfeatures(u64 xfeatures_needed, const char **feature_name)")
def cpu_has_xfeatures(k, needed: int, feature_name: int) -> int:
    """1 when the kernel enabled every XSAVE feature in `needed`, else 0; `*feature_name`
    names the highest missing one (or the highest needed one when none is missing)."""
    c = facts(k)
    missing = needed & ~c.xfeatures()
    if feature_name:
        shown = missing or needed
        index = min(max(shown.bit_length() - 1, 0), len(XFEATURE_NAMES) - 1)
        k.machine.mem.write_ptr(feature_name, c.xfeature_name(index))
    return 0 if missing else 1


@table.service("bool kvm_para_available(void)")
def kvm_para_available(k) -> int:
    """Whether this is a KVM guest: CPUID carries KVM's signature."""
    return int(facts(k).hypervisor_base(KVM_SIGNATURE) != 0)


@table.service("bool hv_is_hyperv_initialized(void)")
def hv_is_hyperv_initialized(k) -> int:
    """Whether Hyper-V's hypercall page is set up: never on a guest whose CPUID does not
    carry Hyper-V's signature (x86_hyper_type is not X86_HYPER_MS_HYPERV)."""
    if not facts(k).hypervisor_base(HYPERV_SIGNATURE):
        return 0
    hypercall = k.linux.cpu.rdmsr(0x40000001)          # HV_X64_MSR_HYPERCALL: bit 0 enable
    return int(bool(hypercall and hypercall & 1))
