"""Module parameters as kernel/params.c handles them at insmod: the standard ops tables in
kernel memory, `parse_args` over the module's __param table, and the values shown in
/sys/module/NAME/parameters/."""
from __future__ import annotations

from kemu.kernel import GuestCrash

from .services.params import INTEGERS

#: data export -> (set service, get service, free service or None)
STANDARD_OPS = {f"param_ops_{kind}": (f"param_set_{kind}", f"param_get_{kind}", None) for kind in INTEGERS}
STANDARD_OPS.update({
    "param_ops_bool": ("param_set_bool", "param_get_bool", None),
    "param_ops_invbool": ("param_set_invbool", "param_get_invbool", None),
    "param_ops_charp": ("param_set_charp", "param_get_charp", "param_free_charp"),
    "param_array_ops": ("param_array_set", "param_array_get", None),
})
KERNEL_PARAM_OPS_FL_NOARG = 1


def fill_standard_ops(system) -> None:
    """Point the kernel's param_ops_* structures at the set/get services."""
    k, lay = system.kernel, system.layout
    for data, names in STANDARD_OPS.items():
        sym = k.symbols.get(data)
        if sym is None:
            continue
        for field, service in zip(("set", "get", "free"), names):
            if service is not None and service in k.installed:
                k.machine.mem.write_ptr(sym.addr + lay.offset("struct kernel_param_ops", field),
                                        k.installed[service][1])
        if data in ("param_ops_bool", "param_ops_invbool"):
            k.machine.mem.write_u32(sym.addr, KERNEL_PARAM_OPS_FL_NOARG)


def module_params(system, module) -> list[tuple[str, int]]:
    """(name, struct kernel_param address) of each entry of the module's __param table."""
    sec = module.obj.section_by_name("__param")
    if sec is None:
        return []
    lay, mem = system.layout, system.machine.mem
    size = lay.size("struct kernel_param")
    base = module.image.section_address(sec.index)
    out = []
    for i in range(sec.size // size):
        kp = base + i * size
        out.append((system.kernel.read_str(mem.read_ptr(kp), 256).decode("latin-1"), kp))
    return out


def _ops(system, kp: int, field: str) -> tuple[int, int]:
    lay, mem = system.layout, system.machine.mem
    ops = mem.read_ptr(kp + lay.offset("struct kernel_param", "ops"))
    return ops, mem.read_ptr(ops + lay.offset("struct kernel_param_ops", field))


def parse_args(system, module, args: list[str]) -> int:
    """Apply `name=value` words as parse_args does; 0 or the -errno of the first bad one
    (unknown names are reported and ignored)."""
    k, name = system.kernel, module.name
    table = module_params(system, module)
    for word in args:
        if word == "--":
            rest = " ".join(args[args.index(word) + 1:])
            if rest:
                system.pr(f"{name}: parameters '{rest}' after `--' ignored", 4)
            break
        pname, has_value, value = word.partition("=")
        match = [kp for p, kp in table if p.replace("-", "_") == pname.replace("-", "_")]
        if not match:
            system.pr(f"{name}: unknown parameter '{pname}' ignored", 4)
            continue
        kp = match[0]
        ops, setter = _ops(system, kp, "set")
        flags = k.machine.mem.read_u32(ops)
        if not has_value and not flags & KERNEL_PARAM_OPS_FL_NOARG:
            system.pr(f"{name}: '' invalid for parameter '{pname}'", 3)
            return -k.errno.EINVAL
        val = 0
        if has_value:
            val = k.heap.alloc(len(value) + 1, "param", zero=True)
            k.machine.mem.write(val, value.encode("latin-1"))
        try:
            ret = system.call_kernel_pointer(setter, val, kp, what=f"{name}: parameter {pname}")
        finally:
            if val:
                k.heap.free(val)
        if ret:
            if ret == -k.errno.ENOSPC:
                system.pr(f"{name}: {pname} too large for parameter '{pname}'", 3)
            else:
                system.pr(f"{name}: '{value}' invalid for parameter '{pname}'", 3)
            return ret
    return 0


def read_parameter(system, module, pname: str) -> str | None:
    """/sys/module/NAME/parameters/PNAME: the getter's text, or None when the parameter does
    not exist or is not visible (perm 0)."""
    lay, mem, k = system.layout, system.machine.mem, system.kernel
    for p, kp in module_params(system, module):
        if p != pname:
            continue
        if not mem.read_u16(kp + lay.offset("struct kernel_param", "perm")):
            return None
        _, getter = _ops(system, kp, "get")
        if not getter:
            return None
        page = k.heap.alloc(4096, "param", zero=True)
        try:
            n = system.call_kernel_pointer(getter, page, kp, what=f"{module.name}: parameter {pname}")
            return mem.read(page, max(0, min(n, 4095))).decode("latin-1")
        except GuestCrash:
            return None
        finally:
            k.heap.free(page)
    return None


def visible_parameters(system, module) -> list[str]:
    lay, mem = system.layout, system.machine.mem
    return [p for p, kp in module_params(system, module)
            if mem.read_u16(kp + lay.offset("struct kernel_param", "perm"))]


def free_strings(system, module) -> None:
    """At unload: the ops' free for each parameter that has one (charp strings)."""
    lay, mem = system.layout, system.machine.mem
    for _, kp in module_params(system, module):
        _, free = _ops(system, kp, "free")
        if free:
            system.call_kernel_pointer(free, mem.read_ptr(kp + lay.offset("struct kernel_param", "arg")),
                                       what="param free")
