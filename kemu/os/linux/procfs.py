"""The module lists as Linux shows them: /proc/modules (kernel/module/procfs.c) and lsmod
(kmod's tools/lsmod.c), from the shared loader's modules."""
from __future__ import annotations

TAINT_ORDER = "PFCOEKXTN"    # module taint letters in taint-bit order (module_flags_taint)


def module_flags(module) -> str:
    """"(OE)" for a tainted live module, "+"/"-" added while loading/unloading; "" otherwise."""
    letters = "".join(c for c in TAINT_ORDER if c in module.os.get("taints", ()))
    state = {"loading": "+", "going": "-"}.get(module.state.value, "")
    return f"({letters}{state})" if letters or state else ""


def refcount(system, module) -> int:
    """module_refcount: modules using it plus references taken with try_module_get."""
    return len(system.kernel.loader.users_of(module)) + module.os.get("refcnt", 0)


def proc_modules(system) -> str:
    """/proc/modules: `name size refs deps state address [flags]`, newest first."""
    lines = []
    for m in system.modules():
        holders = system.kernel.loader.users_of(m)
        deps = "".join(f"{h}," for h in holders)
        exit_fn = m.os.get("has_exit", True)
        if not exit_fn:
            deps += "[permanent],"
        state = {"live": "Live", "loading": "Loading", "going": "Unloading"}[m.state.value]
        flags = module_flags(m)
        lines.append(f"{m.name} {m.size} {refcount(system, m)} {deps or '-'} {state} 0x{m.base:0{2 * system.machine.word_size}x}"
                     + (f" {flags}" if flags else "") + "\n")
    return "".join(lines)


def lsmod(system) -> str:
    """lsmod's table: `Module  Size  Used by` then one row per /proc/modules line."""
    out = ["Module                  Size  Used by\n"]
    for m in system.modules():
        holders = system.kernel.loader.users_of(m)
        row = f"{m.name:<19} {m.size:8d}  {refcount(system, m)}"
        if holders:
            row += " " + ",".join(holders)
        out.append(row + "\n")
    return "".join(out)


def proc_version(system) -> str:
    return (f"Linux version {system.release} (debian-kernel@lists.debian.org) "
            f"(gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) "
            f"#1 SMP PREEMPT_DYNAMIC Debian\n")
