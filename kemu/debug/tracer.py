"""`kemu trace`: every kernel service call with decoded arguments, like strace — no stopping.

Service calls come from the kernel's trace ring observers (one decoded `ServiceCall` per
completed call); `const char *` arguments show their text as captured at the call, strace-style
(`printf(fmt="fibo: FIBONACCI driver loaded su"..., ...)`; `-s` sets the length). With `--instructions RANGE`, a code hook restricted to that range prints each
instruction executed there; the range is resolved against the module's symbols at its entry
point, the first moment they exist (the engine stops there without a prompt, installs the
hook and continues). Output is text lines or, with `--json`, one JSON object per line.
"""
from __future__ import annotations

import json
import re
from typing import Iterable, TextIO

from kemu.debug.commands import CommandError
from kemu.debug.events import StopEvent
from kemu.debug.launch import DebugLaunch


class Tracer:
    def __init__(self, system, *, out: TextIO, trace_out: TextIO, as_json: bool = False,
                 instruction_ranges: Iterable[str] = ()):
        self.system = system
        self.machine = system.machine
        self.trace_out = trace_out
        self.as_json = as_json
        self.ranges_text = list(instruction_ranges)
        self.launch = DebugLaunch(system, out=out, err=out, context=False)
        self.launch.session.dbg.on_stop = self._on_stop
        self._hooks: list = []
        self._insn_cache: dict[int, tuple[str, str | None]] = {}
        self.errors: list[str] = []
        self.calls = 0
        self.instructions = 0

    # ---- output -------------------------------------------------------------------------
    def _emit_call(self, call) -> None:
        self.calls += 1
        if self.as_json:
            record = {"type": "call", "name": call.name,
                      "args": [self._json_arg(call, n, v, t) for n, v, t in call.args],
                      "result": call.result, "text": call.format()}
            if getattr(call, "fault", None):
                record["fault"] = call.fault
            self.trace_out.write(json.dumps(record) + "\n")
        else:
            self.trace_out.write(call.format() + "\n")
        self.trace_out.flush()

    @staticmethod
    def _json_arg(call, name: str, value: int, ctype: str) -> dict:
        """One argument: its value (the pointer, for strings) and, for a string captured at
        the call, its text (bytes as latin-1 code points) and whether it was cut short."""
        arg = {"name": name, "value": value, "type": ctype}
        captured = call.string(name) if hasattr(call, "string") else None
        if captured is not None:
            arg["string"] = captured[0].decode("latin-1")
            arg["truncated"] = captured[1]
        return arg

    def _emit_insn(self, addr: int, size: int) -> None:
        self.instructions += 1
        hit = self._insn_cache.get(addr)
        if hit is None:
            insns = self.machine.disassemble(addr, 1)
            text = f"{insns[0].mnemonic} {insns[0].op_str}".strip() if insns else "(bad)"
            hit = (text, self.launch.symbols.label(addr))
            self._insn_cache[addr] = hit
        text, label = hit
        if self.as_json:
            self.trace_out.write(json.dumps({"type": "insn", "address": addr, "symbol": label, "text": text}) + "\n")
        else:
            self.trace_out.write(f"  {addr:#x}{f' <{label}>' if label else ''}:\t{text}\n")

    # ---- instruction ranges ------------------------------------------------------------------
    def resolve_range(self, text: str) -> tuple[int, int]:
        """[lo, hi] inclusive for SYMBOL, START-END or START,+LEN (numbers or symbols)."""
        ev = self.launch.session.evaluator
        m = re.fullmatch(r"\s*(.+?)\s*,\s*\+\s*(.+)\s*", text)
        if m:
            lo = ev.address_of(m.group(1))
            return lo, lo + ev.address_of(m.group(2)) - 1
        m = re.fullmatch(r"\s*(0x[0-9a-fA-F]+|\d+)\s*-\s*(0x[0-9a-fA-F]+|\d+)\s*", text)
        if m:
            return int(m.group(1), 0), int(m.group(2), 0) - 1
        sym = self.launch.symbols.lookup(text.strip())
        if sym is None:
            raise CommandError(f'Function "{text.strip()}" not defined.')
        size = sym.size
        if not size:
            sm = self.launch.symbols.source_for(sym.addr)
            f = sm.function_at(sym.addr) if sm else None
            size = (f.high - f.low) if f else 1
        return sym.addr, sym.addr + size - 1

    def _on_stop(self, event: StopEvent) -> None:
        """The entry stop: symbols exist now; hook the instruction ranges and run on."""
        self.launch.discover(event.pc)
        for text in self.ranges_text:
            try:
                lo, hi = self.resolve_range(text)
            except CommandError as exc:
                self.errors.append(f"kemu trace: --instructions {text}: {exc}")
                continue
            self._hooks.append(self.machine.add_code_hook(self._emit_insn, lo, hi))
        self.ranges_text = []
        self.launch.session.dbg.resume_continue()
        self.launch.session.dbg.active = False

    # ---- the run -------------------------------------------------------------------------------
    def run(self, module: str, commands: Iterable[str], *, entry: str | None = None,
            postinstall: str | None = None, lenient: bool = False) -> int:
        remove = self.system.kernel.trace.observe(self._emit_call)
        try:
            status = self.launch.run(module, iter(list(commands)), entry=entry, postinstall=postinstall,
                                     lenient=lenient, stop_at_entry=bool(self.ranges_text))
        finally:
            remove()
            for h in self._hooks:
                self.machine.remove_hook(h)
        return status
