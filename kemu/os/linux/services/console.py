"""Console drivers (kernel/printk/printk.c: register_console, unregister_console; 6.1).

kemu's kernel boots as Debian's does on a PC: the VT console "tty0" is registered and enabled,
heads the console list and is the console device (CON_CONSDEV), and there is no console= on
the command line (preferred_console < 0). register_console then does what the kernel does
there: a console already on the list is the kernel's WARN; a boot console after a real one
is "too late"; a console is not enabled by default because the head already has a tty
binding; a console the command line did not name is taken only when it comes enabled
(CON_ENABLED, as netconsole's and pstore's do), else it is left unregistered — ttyprintk's,
for one, as on a real machine booted without console=ttyprintk. A registered console goes
after the head (before it, becoming the console device, with CON_CONSDEV) and the kernel's
"printk: console [NAMEi] enabled" is logged. unregister_console takes it off (its exit
called), -ENODEV for one not on the list. The list is linked through the structs' `next`
fields in guest memory; what a module leaves registered is taken off at its unload.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .owner import owning_module

table = ServiceTable("console")

CON_CONSDEV, CON_ENABLED, CON_BOOT, CON_BRL = 0x2, 0x4, 0x8, 0x20


def _off(k, field: str) -> int:
    return k.linux.layout.offset("struct console", field)


class Consoles:
    """The console list, head first; the VT console made at boot."""

    def __init__(self, k) -> None:
        self.k = k
        size = k.linux.layout.size("struct console")
        self.vt = k.machine.alloc("kdata", size, 16)
        k.machine.mem.write(self.vt, bytes(size))
        k.machine.mem.write(self.vt + _off(k, "name"), b"tty\0")
        self._put(self.vt, "flags", CON_ENABLED | CON_CONSDEV, 2)
        self.entries: list[int] = [self.vt]

    def _get(self, con: int, field: str, size: int) -> int:
        return self.k.machine.mem.read_int(con + _off(self.k, field), size)

    def _put(self, con: int, field: str, value: int, size: int) -> None:
        self.k.machine.mem.write_int(con + _off(self.k, field), size, value & ((1 << (8 * size)) - 1))

    def flags(self, con: int) -> int:
        return self._get(con, "flags", 2)

    def label(self, con: int) -> str:
        index = self._get(con, "index", 2)
        index = index - 0x10000 if index & 0x8000 else index
        name = self.k.read_str(con + _off(self.k, "name"), 16).decode("latin-1")
        return f"{name}{index}"

    def relink(self) -> None:
        """Write the list into the structs' next fields."""
        mem = self.k.machine.mem
        for i, con in enumerate(self.entries):
            mem.write_ptr(con + _off(self.k, "next"), self.entries[i + 1] if i + 1 < len(self.entries) else 0)


def consoles(k) -> Consoles:
    reg = k.linux.__dict__.get("consoles")
    if reg is None:
        reg = k.linux.__dict__["consoles"] = Consoles(k)
    return reg


@table.service("void register_console(struct console *newcon)", needs_call=True)
def register_console(k, newcon: int, call=None) -> None:
    """See the module docstring."""
    reg = consoles(k)
    linux = k.linux
    if newcon in reg.entries:
        linux.pr(f"WARNING: console '{reg.label(newcon)}' already registered", 4)
        linux.add_taint("W")
        return
    flags = reg.flags(newcon)
    realcon_enabled = any(not reg.flags(c) & CON_BOOT for c in reg.entries)
    if flags & CON_BOOT and realcon_enabled:
        linux.pr(f"printk: Too late to register bootconsole {reg.label(newcon)}", 6)
        return
    # try_enable_default_console applies only when the head has no tty binding; kemu's head is
    # tty0, or a console that came with CON_CONSDEV and was thus enabled already
    if not flags & CON_ENABLED or flags & CON_BRL:
        return                                  # not named on the command line, not pre-enabled
    if flags & CON_CONSDEV or not reg.entries:
        if reg.entries:
            reg._put(reg.entries[0], "flags", reg.flags(reg.entries[0]) & ~CON_CONSDEV, 2)
        reg.entries.insert(0, newcon)
        reg._put(newcon, "flags", reg.flags(newcon) | CON_CONSDEV, 2)
    else:
        reg.entries.insert(1, newcon)
    reg.relink()
    linux.pr(f"printk: {'boot' if flags & CON_BOOT else ''}console [{reg.label(newcon)}] enabled", 6)
    module = owning_module(k, call)
    if module is not None:
        module.on_unload(f"console {newcon:#x}", lambda: _unlink(k, newcon))


def _unlink(k, con: int) -> bool:
    reg = consoles(k)
    if con not in reg.entries:
        return False
    reg.entries.remove(con)
    if reg.entries and reg.flags(con) & CON_CONSDEV:
        reg._put(reg.entries[0], "flags", reg.flags(reg.entries[0]) | CON_CONSDEV, 2)
    reg._put(con, "flags", reg.flags(con) & ~CON_ENABLED, 2)
    k.machine.mem.write_ptr(con + _off(k, "next"), 0)
    reg.relink()
    return True


@table.service("int unregister_console(struct console *console)", needs_call=True)
def unregister_console(k, console: int, call=None) -> int:
    """Off the list, the kernel's "disabled" message, then its exit(); -ENODEV for a console
    not on the list."""
    reg = consoles(k)
    if console == reg.vt or not _unlink(k, console):
        return -k.linux.errno.ENODEV
    module = owning_module(k, call)
    if module is not None:
        module.forget_undo(f"console {console:#x}")
    flags = reg.flags(console)
    k.linux.pr(f"printk: {'boot' if flags & CON_BOOT else ''}console [{reg.label(console)}] disabled", 6)
    exit_fn = k.machine.mem.read_ptr(console + _off(k, "exit"))
    if exit_fn:
        return k.linux.call_kernel_pointer(exit_fn, console, what=f"console {reg.label(console)}: exit")
    return 0
