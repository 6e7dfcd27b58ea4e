"""kern_reboot(9) for kemu's FreeBSD: what happens when the emulated system shuts down.

As FreeBSD 14's kern/kern_shutdown.c: the shutdown_pre_sync handlers run, the buffers are
synced (kemu has no disks: bufshutdown finds none busy and says so), the uptime is printed,
shutdown_post_sync runs — where kern_module.c's module_shutdown sends MOD_SHUTDOWN to every
module, newest first, unless RB_NOSYNC — then shutdown_final, where the kernel's own
shutdown_halt (RB_HALT: the "halted" message) and shutdown_reset ("Rebooting...") come last
(SHUTDOWN_PRI_LAST + 100 and + 200). The klds stay loaded and the machine usable: kemu
records that the system went down (`FreeBSD.down`, the howto) instead of resetting the CPU.
"""
from __future__ import annotations

from .modules import MOD_SHUTDOWN

RB_AUTOBOOT = 0x0
RB_NOSYNC = 0x4
RB_HALT = 0x8
RB_DUMP = 0x100
RB_POWEROFF = 0x4000
RB_POWERCYCLE = 0x400000
SHUTDOWN_PRI_DEFAULT = 10000
SHUTDOWN_PRI_LAST = 20000


def uptime_text(seconds: int) -> str:
    """print_uptime(): 'Uptime: ' then days, hours, minutes once one is shown, and seconds."""
    parts, shown = [], False
    for unit, span in (("d", 86400), ("h", 3600), ("m", 60)):
        if shown or seconds >= span:
            parts.append(f"{seconds // span}{unit}")
            seconds %= span
            shown = True
    return f"Uptime: {''.join(parts)}{seconds}s\n"


class Shutdown:
    """The kernel's shutdown handlers (registered at boot, as SYSINITs register them on
    FreeBSD) and kern_reboot."""

    def __init__(self, system) -> None:
        self.system = system
        machine, abi = system.machine, system.kernel.abi
        eh = system.eventhandlers
        stub = machine.add_stub("module_shutdown", self._module_shutdown, abi=abi)
        eh.register(0, "shutdown_post_sync", stub, 0, SHUTDOWN_PRI_DEFAULT, permanent=True)
        stub = machine.add_stub("shutdown_halt", self._halt, abi=abi)
        eh.register(0, "shutdown_final", stub, 0, SHUTDOWN_PRI_LAST + 100, permanent=True)
        stub = machine.add_stub("shutdown_reset", self._reset, abi=abi)
        eh.register(0, "shutdown_final", stub, 0, SHUTDOWN_PRI_LAST + 200, permanent=True)
        self.halted = False

    def _module_shutdown(self, call) -> int:
        """kern_module.c module_shutdown: MOD_SHUTDOWN to every module, newest first."""
        _, howto = call.args(2)
        if howto & RB_NOSYNC:
            return 0
        modules = self.system.modules
        for module in reversed(list(modules.modules)):
            modules.event(module, MOD_SHUTDOWN)
        return 0

    def _halt(self, call) -> int:
        _, howto = call.args(2)
        if howto & RB_HALT:
            self.system.kprintf("\nThe operating system has halted.\nPlease press any key to reboot.\n\n")
            self.halted = True
        return 0

    def _reset(self, call) -> int:
        if not self.halted:
            self.system.kprintf("Rebooting...\n")
        return 0

    def reboot(self, howto: int) -> None:
        """kern_reboot(howto)."""
        system, eh = self.system, self.system.eventhandlers
        self.halted = False
        eh.invoke("shutdown_pre_sync", howto)
        if not howto & RB_NOSYNC:
            system.kprintf("All buffers synced.\n")
        system.kprintf(uptime_text(system.clock.uptime.sec))
        eh.invoke("shutdown_post_sync", howto)
        eh.invoke("shutdown_final", howto)
        system.down = howto
