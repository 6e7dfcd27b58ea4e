"""The oops report: what a kernel would print when a module faults, made for kemu.

Kind of fault, fault address, registers, the faulting instruction disassembled with
symbols, a symbolized backtrace (frame-pointer walk when the chain is intact, otherwise a
scan of the stack for return addresses that follow a call instruction — marked "?", as
Linux does for unreliable entries), and the chain of nested guest calls.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .disasm import Insn

if TYPE_CHECKING:
    from .machine import Machine

MAX_FRAMES = 32


@dataclass
class OopsReport:
    kind: str                          # "unmapped write", "divide error", "timeout" …
    message: str                       # one line: what happened, where
    arch: str
    pc: int
    fault_address: int | None = None
    access: str | None = None          # "read" | "write" | "fetch" for memory faults
    registers: dict[str, int] = field(default_factory=dict)
    instruction: Insn | None = None
    backtrace: list[tuple[int, str, bool]] = field(default_factory=list)  # (addr, symbol, reliable)
    call_chain: list[str] = field(default_factory=list)                   # outermost first
    pc_symbol: str = ""                # "fibo_read+0x12"
    #: "fibo.c:150" per backtrace frame ("" where no source locator knows the address);
    #: the first is the faulting pc's
    frame_sources: list[str] = field(default_factory=list)

    @property
    def pc_source(self) -> str:
        """"fibo.c:150" of the faulting pc, or "" without line information."""
        return self.frame_sources[0] if self.frame_sources else ""

    @property
    def text(self) -> str:
        w = 16 if self.arch == "x86_64" else 8
        lines = [f"kemu oops: {self.message}"]
        where = f"{self.pc:#x}" if self.pc_symbol in ("", f"{self.pc:#x}") else f"{self.pc:#x} <{self.pc_symbol}>"
        what = self.instruction.text if self.instruction is not None else "(instruction not readable)"
        if self.pc_source:
            where += f" ({self.pc_source})"
        lines.append(f"  at {where}: {what}")
        if self.registers:
            lines.append("registers:")
            items = [f"{k}={v:0{w}x}" for k, v in self.registers.items()]
            per = 4 if self.arch == "x86_64" else 5
            for i in range(0, len(items), per):
                lines.append("  " + " ".join(items[i:i + per]))
        if self.backtrace:
            lines.append("backtrace:")
            sources = self.frame_sources
            for i, (addr, sym, reliable) in enumerate(self.backtrace):
                at = f" at {sources[i]}" if i < len(sources) and sources[i] else ""
                lines.append(f"  #{i} {addr:#0{w + 2}x} {'' if reliable else '? '}{sym}{at}")
        if self.call_chain:
            lines.append("guest calls (outermost first):")
            lines.extend(f"  {c}" for c in self.call_chain)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text


def _call_before(machine: "Machine", ret: int) -> "tuple[int | None] | None":
    """If `ret` points into executable memory right after a call instruction: a 1-tuple of
    the call's target (None for an indirect call, whose target is not known); else None."""
    r = machine.mem.region_at(ret)
    if r is None or not r.prot & 4:
        return None
    try:
        before = machine.mem.read(ret - 7, 7)
    except Exception:
        try:
            before = b"\0\0" + machine.mem.read(ret - 5, 5)
        except Exception:
            return None
    if before[2] == 0xE8:                       # call rel32
        rel = int.from_bytes(before[3:7], "little", signed=True)
        return ((ret + rel) & ((1 << (8 * machine.word_size)) - 1),)
    for k in (2, 3, 4, 6, 7):                   # call r/m (FF /2) with its addressing forms
        if before[7 - k] == 0xFF and (before[8 - k] >> 3) & 7 == 2:
            return (None,)
    return None


def _looks_like_return(machine: "Machine", ret: int) -> bool:
    """True if `ret` points into executable memory right after a call instruction."""
    return _call_before(machine, ret) is not None


def _calls_into(machine: "Machine", call: "tuple[int | None]", callee_pc: int) -> bool:
    """Could the call before a return address have led to the function running at
    `callee_pc`? A direct call must target that function's start (by its symbol; without
    one, an address at most 64 KiB below); an indirect call may have gone anywhere."""
    target = call[0]
    if target is None:
        return True
    hit = machine.lookup_symbol(callee_pc)
    if hit is not None:
        return target == callee_pc - hit[1]
    return target <= callee_pc < target + 0x10000


def backtrace(machine: "Machine", pc: int, sp: int, fp: int, lo: int, hi: int
              ) -> list[tuple[int, str, bool]]:
    """Frames from `pc` outwards on the stack [lo, hi) of one call, `hi` just above the slot
    of its return trap (where the call entered the guest).

    The frame-pointer chain is followed when it is intact up to the return trap. Otherwise
    the stack is scanned for return addresses — but a stack holds leftovers of earlier,
    finished calls (return addresses in slots this call never wrote), so a candidate counts
    only if the call before it leads to the frame found so far: a direct call must target
    the function that frame is in."""
    mem, ws, stop = machine.mem, machine.word_size, machine.return_trap
    frames = [(pc, machine.symbolize(pc), True)]
    # 1. frame-pointer chain: [fp] = caller's fp, [fp + ws] = return address
    chain = []
    f = fp
    ok = False
    while lo <= f and f + 2 * ws <= hi and len(chain) < MAX_FRAMES:
        try:
            nxt, ret = mem.read_ptr(f), mem.read_ptr(f + ws)
        except Exception:
            break
        if ret == stop:
            ok = True
            break
        if not _looks_like_return(machine, ret):
            break
        chain.append(ret)
        if not f < nxt < hi:
            break
        f = nxt
    if ok and chain:
        # the function that faulted may not have built its frame yet: its caller's return
        # address then sits on top of the stack, above nothing the chain covers
        first = None
        try:
            first = mem.read_ptr(sp)
        except Exception:
            pass
        if first is not None and first not in chain and lo <= sp < fp:
            call = _call_before(machine, first)
            if call is not None and _calls_into(machine, call, pc):
                frames.append((first, machine.symbolize(first), False))
        frames += [(a, machine.symbolize(a), True) for a in chain]
        return frames
    # 2. stack scan, from the stack pointer up to the return trap
    callee = pc
    a = max(sp, lo)
    a += (-a) % ws
    while a + ws <= hi and len(frames) < MAX_FRAMES:
        try:
            v = mem.read_ptr(a)
        except Exception:
            break
        if v == stop:
            break
        call = _call_before(machine, v)
        if call is not None and _calls_into(machine, call, callee):
            frames.append((v, machine.symbolize(v), False))
            callee = v
        a += ws
    return frames
