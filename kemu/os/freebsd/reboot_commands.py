"""reboot(8), halt(8), poweroff(8) and shutdown(8) on kemu's FreeBSD console.

All end in reboot(2), i.e. `FreeBSD.shutdown(howto)` (kern_reboot: the shutdown events, the
kernel's console lines). The howto bits are reboot(8)'s for FreeBSD 14: halt adds RB_HALT,
-p (and poweroff) RB_POWEROFF, -n RB_NOSYNC. kemu has no init to signal, so the system call
is made at once (as `reboot -q` does); there is no ACPI, so a power-off halts. shutdown(8)
takes its time operand as FreeBSD's does, but kemu cannot wait for a later time: only
`now` or `+0` are accepted, anything else is refused with a message saying so.
"""
from __future__ import annotations

from kemu.userland import getopt

from .shutdown import RB_AUTOBOOT, RB_HALT, RB_NOSYNC, RB_POWEROFF


def _reboot_like(prog: str, howto: int):
    def tool(system, argv: list[str], out, err) -> int:
        parsed = getopt(prog, argv, "cDde:fk:lNnpqro:")
        if parsed.error or parsed.operands:
            if parsed.error:
                err.write(parsed.error + "\n")
            err.write(f"usage: {prog} [-cDdflNnpqr] [-k kernel] [-o options]\n")
            return 1
        flags = {letter for letter, _ in parsed.options}
        bits = howto
        if "n" in flags or "N" in flags:
            bits |= RB_NOSYNC
        if "p" in flags:
            bits |= RB_POWEROFF
        system.shutdown(bits)
        return 0
    return tool


def shutdown(system, argv: list[str], out, err) -> int:
    """shutdown [-] [-c | -f | -h | -p | -r | -k] [-o [-n]] time [warning-message ...]"""
    usage = ("usage: shutdown [-] [-c | -f | -h | -p | -r | -k] [-o [-n]] [-q] time "
             "[warning-message ...]\n       poweroff\n")
    parsed = getopt("shutdown", argv, "cfhknopqr")
    if parsed.error or not parsed.operands:
        if parsed.error:
            err.write(parsed.error + "\n")
        err.write(usage)
        return 1
    flags = {letter for letter, _ in parsed.options}
    if "k" in flags:
        out.write("Shutdown NOW!\n")
        return 0
    when = parsed.operands[0]
    if when not in ("now", "+0", "0"):
        err.write(f"shutdown: kemu cannot wait until {when}: use `now`\n")
        return 1
    if "r" in flags:
        howto = RB_AUTOBOOT
    elif "h" in flags:
        howto = RB_HALT
    elif "p" in flags:
        howto = RB_HALT | RB_POWEROFF
    else:
        err.write("shutdown: kemu has no single-user mode: use -r, -h or -p\n")
        return 1
    if "n" in flags and "o" in flags:
        howto |= RB_NOSYNC
    out.write("Shutdown NOW!\n")
    system.shutdown(howto)
    return 0


#: name -> tool(system, argv, out, err)
REBOOT_COMMANDS = {
    "reboot": _reboot_like("reboot", RB_AUTOBOOT),
    "halt": _reboot_like("halt", RB_HALT),
    "poweroff": _reboot_like("poweroff", RB_HALT | RB_POWEROFF),
    "shutdown": shutdown,
}
