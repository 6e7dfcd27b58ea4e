"""Call frames of the guest: unwinding for `backtrace`, `finish` and stepping out.

The compiler's own unwind tables (`.eh_frame` / `.debug_frame`, relocated to the linked
addresses) say exactly where the return address and the caller's registers are at every pc,
so they come first. Code without them (assembler, `-fno-asynchronous-unwind-tables` and no
`-g`) falls back to reading the function's prologue: how far `push`/`sub` moved the stack
before pc, and whether `push ebp; mov ebp, esp` set up a frame pointer.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable, Mapping

import capstone

from kemu.debug.registers import arch_registers

# DWARF register numbers (System V psABI) → register names
DWARF_REGS = {
    "i386": {0: "eax", 1: "ecx", 2: "edx", 3: "ebx", 4: "esp", 5: "ebp", 6: "esi", 7: "edi", 8: "eip"},
    "x86_64": {0: "rax", 1: "rdx", 2: "rcx", 3: "rbx", 4: "rsi", 5: "rdi", 6: "rbp", 7: "rsp",
               **{i: f"r{i}" for i in range(8, 16)}, 16: "rip"},
}


@dataclass(frozen=True)
class Frame:
    level: int
    pc: int
    sp: int
    cfa: int | None          # the caller's sp after return; None when unknown
    # the registers known in this frame: all of them in frame 0; in a caller, those the unwind
    # rules restore plus the callee-saved ones the callee left alone (the psABI's promise).
    # A caller-saved register of an outer frame is gone: gdb's `<not saved>`.
    regs: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class CfiTable:
    """Decoded CFI rows for one FDE: [low, high) with rows sorted by pc."""
    low: int
    high: int
    pcs: list[int]
    rows: list[dict]


class UnwindTables:
    """CFI of all loaded modules, looked up by pc."""

    def __init__(self) -> None:
        self._tables: list[CfiTable] = []
        self._lows: list[int] = []

    def add_from_dwarf(self, dwarf) -> int:
        """Add every FDE of a pyelftools DWARFInfo (eh_frame or debug_frame); returns how many."""
        entries = []
        try:
            if dwarf.has_EH_CFI():
                entries.extend(dwarf.EH_CFI_entries())
            if dwarf.has_CFI():
                entries.extend(dwarf.CFI_entries())
        except Exception:
            return 0
        n = 0
        for ent in entries:
            header = getattr(ent, "header", None)
            if header is None or "initial_location" not in header:
                continue
            try:
                decoded = ent.get_decoded()
            except Exception:
                continue
            rows = list(decoded.table)
            if not rows:
                continue
            low = header["initial_location"]
            high = low + header["address_range"]
            self._tables.append(CfiTable(low, high, [r["pc"] for r in rows], rows))
            n += 1
        self._tables.sort(key=lambda t: t.low)
        self._lows = [t.low for t in self._tables]
        return n

    def row_for(self, pc: int) -> dict | None:
        i = bisect.bisect_right(self._lows, pc) - 1
        if i < 0:
            return None
        t = self._tables[i]
        if not t.low <= pc < t.high:
            return None
        j = bisect.bisect_right(t.pcs, pc) - 1
        return t.rows[j] if j >= 0 else None


class Unwinder:
    """Walks the guest stack from the current registers, through module code only."""

    def __init__(self, arch: str, read_ptr: Callable[[int], int], tables: UnwindTables,
                 function_start: Callable[[int], int | None], in_code: Callable[[int], bool],
                 read_code: Callable[[int, int], bytes]):
        names = arch_registers(arch)
        self.arch = arch
        self.word = names.word
        self.read_ptr = read_ptr
        self.tables = tables
        self.function_start = function_start
        self.in_code = in_code
        self.read_code = read_code
        self.regnames = DWARF_REGS[arch]
        self.callee_saved = names.callee_saved
        self.sp_name, self.fp_name, self.pc_name = names.sp, names.fp, names.pc
        self._cs = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64 if arch == "x86_64" else capstone.CS_MODE_32)

    def frames(self, regs: dict[str, int], limit: int = 64) -> list[Frame]:
        """Frame 0 at the current pc, then each caller while the return address is module code."""
        out: list[Frame] = []
        regs = dict(regs)
        for level in range(limit):
            pc = regs[self.pc_name]
            step = self._unwind_one(pc, regs)
            out.append(Frame(level, pc, regs[self.sp_name], step[0] if step else None, regs))
            if step is None:
                break
            cfa, caller = step
            ra = caller.get(self.pc_name)
            if ra is None or not self.in_code(ra) or cfa <= regs[self.sp_name]:
                break
            regs = caller
        return out

    def caller_of(self, regs: dict[str, int]) -> tuple[int, int] | None:
        """(return address, CFA) of the innermost frame, or None when it cannot be found."""
        step = self._unwind_one(regs[self.pc_name], dict(regs))
        if step is None:
            return None
        cfa, caller = step
        return caller[self.pc_name], cfa

    # ---- one step ---------------------------------------------------------------------
    def _unwind_one(self, pc: int, regs: dict[str, int]) -> tuple[int, dict[str, int]] | None:
        row = self.tables.row_for(pc)
        try:
            if row is not None:
                return self._by_cfi(row, regs)
            return self._by_prologue(pc, regs)
        except Exception:
            return None

    def _by_cfi(self, row: dict, regs: dict[str, int]) -> tuple[int, dict[str, int]] | None:
        rule = row["cfa"]
        if rule.expr is not None or rule.reg not in self.regnames:
            return None
        cfa = (regs[self.regnames[rule.reg]] + rule.offset) & ((1 << (8 * self.word)) - 1)
        caller = self._same_values(regs)
        caller[self.sp_name] = cfa
        ra_reg = 16 if self.arch == "x86_64" else 8
        for regnum, r in row.items():
            if not isinstance(regnum, int) or regnum not in self.regnames:
                continue
            if r.type == "OFFSET":
                caller[self.regnames[regnum]] = self.read_ptr(cfa + r.arg)
            elif r.type == "VAL_OFFSET":
                caller[self.regnames[regnum]] = cfa + r.arg
            elif r.type == "REGISTER" and r.arg in self.regnames and self.regnames[r.arg] in regs:
                caller[self.regnames[regnum]] = regs[self.regnames[r.arg]]
            elif r.type == "SAME_VALUE" and self.regnames[regnum] in regs:
                caller[self.regnames[regnum]] = regs[self.regnames[regnum]]
            elif r.type == "UNDEFINED":
                caller.pop(self.regnames[regnum], None)
        if ra_reg not in row or row[ra_reg].type != "OFFSET":
            caller[self.pc_name] = self.read_ptr(cfa - self.word)
        return cfa, caller

    def _same_values(self, regs: dict[str, int]) -> dict[str, int]:
        """The registers a caller still has after the call without any unwind rule: the
        callee-saved ones (a callee that changes one saves it, and its rule says where)."""
        return {n: regs[n] for n in self.callee_saved if n in regs}

    def _by_prologue(self, pc: int, regs: dict[str, int]) -> tuple[int, dict[str, int]] | None:
        start = self.function_start(pc)
        w = self.word
        sp = regs[self.sp_name]
        fp = regs[self.fp_name]
        depth = 0              # bytes pushed below the return address
        fp_frame = False
        if start is not None and pc - start < 0x400:
            code = self.read_code(start, pc - start)
            for insn in self._cs.disasm(code, start):
                if insn.address >= pc:
                    break
                m, ops = insn.mnemonic, insn.op_str.replace(" ", "")
                if m == "push":
                    depth += w
                elif m == "pop":
                    depth -= w
                    if ops == self.fp_name:
                        fp_frame = False
                elif m == "mov" and ops == f"{self.fp_name},{self.sp_name}":
                    fp_frame = True
                    fp_depth = depth
                elif m == "sub" and ops.startswith(self.sp_name + ","):
                    try:
                        depth += int(ops.split(",", 1)[1], 0)
                    except ValueError:
                        pass
                elif m == "add" and ops.startswith(self.sp_name + ","):
                    try:
                        depth -= int(ops.split(",", 1)[1], 0)
                    except ValueError:
                        pass
                elif m == "leave":
                    fp_frame = False
                    depth = 0
                elif m in ("ret", "jmp"):
                    break
        caller = self._same_values(regs)
        if fp_frame:
            cfa = fp + fp_depth + w
            caller[self.fp_name] = self.read_ptr(fp)
        else:
            cfa = sp + depth + w
        caller[self.sp_name] = cfa
        caller[self.pc_name] = self.read_ptr(cfa - w)
        return cfa, caller
