"""BPF kfunc sets as modules register them (kernel/bpf/btf.c in Linux 6.1).

`register_btf_kfunc_id_set(prog_type, kset)` adds the BTF ids of kset->set (a struct
btf_id_set8: cnt, flags, then {id, flags} pairs that resolve_btfids filled at build time) to
the kfunc table of the owner's BTF for the program type's hook. The owner's BTF is what
btf_module_notify made from the module's .BTF section when it was coming; Debian builds with
CONFIG_DEBUG_INFO_BTF_MODULES=y (and MODULE_ALLOW_BTF_MISMATCH=y, so BTF that does not parse
is skipped rather than refused). So:
* a module with a .BTF section: the set is recorded under its hook; it goes with the module;
* a module without one: "missing module BTF, cannot register kfuncs", -ENOENT, as 6.1 does;
* owner NULL (vmlinux's own sets): vmlinux BTF exists in Debian's kernel, recorded likewise;
* a program type with no kfunc hook: -EINVAL (btf_populate_kfunc_set).
Debian's 686-pae kernel is built without BTF (CONFIG_DEBUG_INFO_BTF is not set: its modules
have no .BTF section): there btf_get_module_btf finds nothing for anyone and the call returns 0
having recorded nothing, as 6.1 does when neither BTF option is enabled.
kemu does not parse BTF; it records the ids as given.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .net_registry import Fields, kernel_state, need
from .owner import owning_module

table = ServiceTable("btf_kfunc")

BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_TRACING = 3, 6, 26
BPF_PROG_TYPE_STRUCT_OPS, BPF_PROG_TYPE_LSM, BPF_PROG_TYPE_SYSCALL = 27, 29, 31
#: CONFIG_DEBUG_INFO_BTF(_MODULES) per flavour, from Debian's boot/config-6.1.0-57-*
BTF_CONFIGURED = {"x86_64": True, "i386": False}
HOOKS = {BPF_PROG_TYPE_XDP: "xdp", BPF_PROG_TYPE_SCHED_CLS: "tc", BPF_PROG_TYPE_STRUCT_OPS: "struct_ops",
         BPF_PROG_TYPE_TRACING: "tracing", BPF_PROG_TYPE_LSM: "tracing", BPF_PROG_TYPE_SYSCALL: "syscall"}


def _sets(k) -> dict[tuple[object, str], list[int]]:
    """(owner LoadedModule or None for vmlinux, hook) -> BTF ids registered."""
    return kernel_state(k, "btf_kfunc", lambda k: {})


def kfunc_sets(k) -> dict[tuple[str, str], list[int]]:
    """(owner name or "vmlinux", hook) -> ids, for the owners still loaded: a module's BTF and
    its kfunc table are freed when it goes (btf_module_notify, MODULE_STATE_GOING)."""
    sets = _sets(k)
    for key in [key for key in sets if key[0] is not None and key[0] not in k.loader.modules]:
        del sets[key]
    return {(m.name if m is not None else "vmlinux", hook): ids for (m, hook), ids in sets.items()}


def _ids(k, set8: int) -> list[int]:
    mem = k.machine.mem
    count = mem.read_u32(set8)
    return [mem.read_u32(set8 + 8 + 8 * i) for i in range(min(count, 65536))]


@table.service("int register_btf_kfunc_id_set(enum bpf_prog_type prog_type, "
               "const struct btf_kfunc_id_set *kset)", needs_call=True)
def register_btf_kfunc_id_set(k, prog_type: int, kset: int, call=None) -> int:
    """Add a kfunc id set to its owner's BTF (-ENOENT when the module has no BTF)."""
    f = Fields(k, "struct btf_kfunc_id_set")
    owner = f.ptr(need(kset, "register_btf_kfunc_id_set's kset"), "owner")
    if not BTF_CONFIGURED[k.linux.arch]:
        return 0
    module = owning_module(k, call, owner) if owner else None
    if owner and (module is None or module.obj.section_by_name(".BTF") is None):
        k.linux.pr("missing module BTF, cannot register kfuncs", 3)
        return -k.errno.ENOENT
    hook = HOOKS.get(prog_type & 0xFFFFFFFF)
    if hook is None:
        return -k.errno.EINVAL
    _sets(k).setdefault((module, hook), []).extend(_ids(k, need(f.ptr(kset, "set"), "kset->set")))
    return 0
