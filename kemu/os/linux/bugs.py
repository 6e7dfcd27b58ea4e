"""WARN and BUG: the `ud2` of a module's `__bug_table` entries (lib/bug.c, kernel/panic.c).

x86 Linux compiles WARN_ON/WARN/WARN_ONCE and BUG/BUG_ON to a `ud2` with a `struct bug_entry`
in `__bug_table` naming its address, source file and line and its flags. The CPU traps; the
kernel's handle_bug finds the entry (report_bug) and either prints the warning and resumes
after the two-byte `ud2` (BUGFLAG_WARNING), or prints `kernel BUG at file:line!` and dies.
Here the trap reaches `Linux.on_invalid_opcode` through machine.invalid_opcode_handlers:
a warning prints 6.1's report (`WARNING: CPU: 0 PID: … at file:line fn+0x…/0x… [mod]`,
modules linked in, the CPU line with the taints, RIP and registers, the call trace, the end
marker), taints the kernel per the entry (W for the plain macros) and resumes; a BUG prints
its line and lets the invalid opcode end the call as an oops.

The entry layout comes from layouts.py: on x86-64 the address and file are 32-bit
displacements from the fields themselves, on i386 absolute pointers.
"""
from __future__ import annotations

from dataclasses import dataclass

from .procfs import module_flags

BUG_TABLE = "__bug_table"
UD2 = b"\x0f\x0b"
BUGFLAG_WARNING = 1 << 0
BUGFLAG_ONCE = 1 << 1
BUGFLAG_DONE = 1 << 2
BUGFLAG_NO_CUT_HERE = 1 << 3
CUT_HERE = "------------[ cut here ]------------"
TAINT_LETTERS = "PFSRMBUDAWCIOELKXTN"     # include/linux/panic.h, bit order
X86_64_REGS = (("RAX", "rax"), ("RBX", "rbx"), ("RCX", "rcx"), ("RDX", "rdx"), ("RSI", "rsi"),
               ("RDI", "rdi"), ("RBP", "rbp"), ("R08", "r8"), ("R09", "r9"), ("R10", "r10"),
               ("R11", "r11"), ("R12", "r12"), ("R13", "r13"), ("R14", "r14"), ("R15", "r15"))
I386_REGS = (("EAX", "eax"), ("EBX", "ebx"), ("ECX", "ecx"), ("EDX", "edx"), ("ESI", "esi"),
             ("EDI", "edi"), ("EBP", "ebp"), ("ESP", "esp"))


@dataclass
class BugEntry:
    """One `struct bug_entry` as the module's relocated table has it."""

    entry: int          # address of the entry (flags live at entry + offset of flags)
    bug_addr: int
    file: str | None
    line: int
    flags: int

    @property
    def warning(self) -> bool:
        return bool(self.flags & BUGFLAG_WARNING)


def read_bug_table(system, module) -> dict[int, BugEntry]:
    """The module's `__bug_table`, by the address of each `ud2`."""
    placement = next((p for p in module.image.placements if p.name == BUG_TABLE and p.size), None)
    if placement is None:
        return {}
    lay, mem = system.layout, system.machine.mem
    size = lay.size("struct bug_entry")
    relative = lay.has("struct bug_entry", "bug_addr_disp")
    addr_field = "bug_addr_disp" if relative else "bug_addr"
    file_field = "file_disp" if relative else "file"
    o_addr, o_file = lay.offset("struct bug_entry", addr_field), lay.offset("struct bug_entry", file_field)
    o_line, o_flags = lay.offset("struct bug_entry", "line"), lay.offset("struct bug_entry", "flags")
    mask = (1 << (8 * system.machine.word_size)) - 1
    table = {}
    for entry in range(placement.addr, placement.addr + placement.size - size + 1, size):
        raw = mem.read(entry, size)
        if relative:
            bug_addr = (entry + o_addr + _s32(raw, o_addr)) & mask
            file_disp = _s32(raw, o_file)
            file_addr = (entry + o_file + file_disp) & mask if file_disp else 0
        else:
            bug_addr = int.from_bytes(raw[o_addr:o_addr + 4], "little")
            file_addr = int.from_bytes(raw[o_file:o_file + 4], "little")
        file = _file_name(system, file_addr)
        line = int.from_bytes(raw[o_line:o_line + 2], "little")
        flags = int.from_bytes(raw[o_flags:o_flags + 2], "little")
        table[bug_addr] = BugEntry(entry, bug_addr, file, line, flags)
    return table


def _file_name(system, addr: int) -> str | None:
    """The entry's file name, or None (no name, or one kemu cannot read: BUG's other text)."""
    if not addr:
        return None
    try:
        return system.kernel.read_str(addr, 4096).decode("utf-8", "replace")
    except Exception:
        return None


def _s32(raw: bytes, off: int) -> int:
    return int.from_bytes(raw[off:off + 4], "little", signed=True)


def bug_entry_at(system, pc: int) -> BugEntry | None:
    """The `__bug_table` entry of the module code at `pc`, read on first use and kept with
    the module."""
    module = system.module_at(pc)
    if module is None:
        return None
    table = module.os.get("bug_table")
    if table is None:
        table = module.os["bug_table"] = read_bug_table(system, module)
    return table.get(pc)


def handle_bug(system, pc: int) -> int | None:
    """machine.invalid_opcode_handlers entry: report_bug for a `ud2` at `pc`. A warning is
    reported and the guest resumes after the `ud2`; a BUG prints its line and None lets the
    machine end the call with the invalid opcode."""
    mem = system.machine.mem
    if not mem.is_mapped(pc, 2) or mem.read(pc, 2) != UD2:
        return None
    bug = bug_entry_at(system, pc)
    if bug is None:
        return None
    once = bug.flags & BUGFLAG_ONCE
    if bug.warning and once:
        if bug.flags & BUGFLAG_DONE:
            return pc + len(UD2)
        _set_done(system, bug)
    if not bug.flags & BUGFLAG_NO_CUT_HERE:
        system.pr(CUT_HERE, 4)
    if bug.warning:
        warn(system, bug, pc)
        return pc + len(UD2)
    if bug.file:
        system.pr(f"kernel BUG at {bug.file}:{bug.line}!", 2)
    else:
        system.pr(f"Kernel BUG at {_symbol(system, pc)} [verbose debug info unavailable]", 2)
    return None


def _set_done(system, bug: BugEntry) -> None:
    """BUGFLAG_DONE, written into the entry as the kernel does (kept in Python as well, in
    case the table is read-only)."""
    bug.flags |= BUGFLAG_DONE
    off = system.layout.offset("struct bug_entry", "flags")
    try:
        system.machine.mem.write(bug.entry + off, bug.flags.to_bytes(2, "little"))
    except Exception:
        pass


def _symbol(system, addr: int) -> str:
    from .vsprintf import _symbol as symbol_text
    return symbol_text(system, addr, True).decode("latin-1")


def warn(system, bug: BugEntry, pc: int) -> None:
    """__warn: the WARNING report at KERN_WARNING, then the taint the entry carries."""
    pid, comm = current_pid_comm(system)
    where = f"{bug.file}:{bug.line} " if bug.file else ""
    system.pr(f"WARNING: CPU: 0 PID: {pid} at {where}{_symbol(system, pc)}", 4)
    system.pr("Modules linked in:" + "".join(f" {m.name}{module_flags(m)}" for m in system.modules()), 4)
    for line in cpu_lines(system, pid, comm, pc):
        system.pr(line, 4)
    system.pr("---[ end trace 0000000000000000 ]---", 4)
    taint = bug.flags >> 8
    if taint < len(TAINT_LETTERS):
        system.add_taint(TAINT_LETTERS[taint])


def current_pid_comm(system) -> tuple[int, str]:
    """pid and comm of the task the guest runs as (`current`)."""
    task, lay, mem = system.current_task, system.layout, system.machine.mem
    if not task:
        return 0, ""
    pid = mem.read_u32(task + lay.offset("struct task_struct", "pid"))
    comm = mem.read(task + lay.offset("struct task_struct", "comm"), 16).split(b"\0")[0]
    return pid, comm.decode("latin-1")


def tainted_text(system) -> str:
    """print_tainted: "Not tainted", or one column per taint bit (G where P is not set)."""
    if not system.taints:
        return "Not tainted"
    cols = "".join(c if c in system.taints else ("G" if c == "P" else " ") for c in TAINT_LETTERS)
    return f"Tainted: {cols}"


def cpu_lines(system, pid: int, comm: str, pc: int) -> list[str]:
    """dump_stack_print_info and show_regs: the CPU line, RIP/EIP and the registers, the
    call trace (as kemu's unwinder sees it)."""
    m = system.machine
    regs = m.regs.snapshot()
    lines = [f"CPU: 0 PID: {pid} Comm: {comm} {tainted_text(system)} {system.release} #1  Debian"]
    if system.arch == "x86_64":
        lines.append(f"RIP: 0010:{_symbol(system, pc)}")
        lines.append(f"RSP: 0018:{regs['rsp']:016x} EFLAGS: {regs['rflags'] & 0xFFFFFFFF:08x}")
        names = X86_64_REGS
        for i in range(0, len(names), 3):
            lines.append(" ".join(f"{label}: {regs[r]:016x}" for label, r in names[i:i + 3]))
    else:
        lines.append(f"EIP: {_symbol(system, pc)}")
        names = I386_REGS
        for i in range(0, len(names), 4):
            lines.append(" ".join(f"{label}: {regs[r]:08x}" for label, r in names[i:i + 4]))
        lines.append(f"EFLAGS: {regs['eflags']:08x}")
    lines.append("Call Trace:")
    if system.arch == "x86_64":
        lines.append(" <TASK>")
    oops = m.oops("warning", "WARNING", pc)
    for addr, _label, reliable in oops.backtrace[1:]:
        lines.append(f" {'' if reliable else '? '}{_symbol(system, addr)}")
    if system.arch == "x86_64":
        lines.append(" </TASK>")
    return lines
