"""`kemu trace`: every kernel service call with decoded arguments, like strace — no stopping.

Service calls come from the kernel's trace ring observers (one decoded `ServiceCall` per
completed call); `const char *` arguments show their text as captured at the call, strace-style
(`printf(fmt="fibo: FIBONACCI driver loaded su"..., ...)`; `-s` sets the length). The module's
own functions that the kernel calls show as `-> fibo_read(dev=…, uio=…, flag=…)` and
`<- fibo_read = 0` (`trace_entries`, fed by the machine's call observers). A run of identical
consecutive lines prints once, followed by how many more times it repeated, so a driver
looping stays readable. With `--instructions RANGE`, a code hook restricted to that range prints each
instruction executed there; the range is resolved against the module's symbols at its entry
point, the first moment they exist (the engine stops there without a prompt, installs the
hook and continues). Output is text lines or, with `--json`, one JSON object per line (every
call, nothing collapsed). With `summary` (`-c`), no lines: a table of calls, errors and time per
service at the end (`trace_summary`).

The commands (`--run`) are guest shell lines, all of them: the first that fails sets the
exit status.
"""
from __future__ import annotations

import json
import re
from typing import Iterable, TextIO

from kemu.debug.commands import CommandError
from kemu.debug.events import StopEvent
from kemu.debug.launch import DebugLaunch
from kemu.debug.trace_entries import EntryEvent, EntryObserver
from kemu.debug.trace_summary import ServiceSummary
from kemu.kernel.trace_records import call_record


class Tracer:
    def __init__(self, system, *, out: TextIO, trace_out: TextIO, err: TextIO | None = None,
                 as_json: bool = False,
                 instruction_ranges: Iterable[str] = (), summary: bool = False):
        self.system = system
        self.machine = system.machine
        self.trace_out = trace_out
        self.as_json = as_json
        self.ranges_text = list(instruction_ranges)
        self.launch = DebugLaunch(system, out=out, err=err or out, context=False)
        self.launch.session.dbg.on_stop = self._on_stop
        self.launch.session.table.shell_only = True     # --run lines are the guest's
        self._hooks: list = []
        self._insn_cache: dict[int, tuple[str, str | None]] = {}
        self.errors: list[str] = []
        self.calls = 0
        self.instructions = 0
        self.summary = ServiceSummary() if summary else None
        self.entries = EntryObserver(self.launch.symbols, self._in_module, self._emit_entry,
                                     self.machine.word_size)
        self._last_line: str | None = None     # the last text line, for collapsing repeats
        self._repeats = 0

    # ---- text lines, identical consecutive ones collapsed ---------------------------------------
    def _line(self, text: str) -> None:
        if text == self._last_line:
            self._repeats += 1
            return
        self._flush_repeats()
        self._last_line = text
        self.trace_out.write(text + "\n")
        self.trace_out.flush()

    def _flush_repeats(self) -> None:
        if self._repeats:
            times = "time" if self._repeats == 1 else "times"
            self.trace_out.write(f"  (the same line {self._repeats} more {times})\n")
            self.trace_out.flush()
        self._repeats = 0
        self._last_line = None

    # ---- output -------------------------------------------------------------------------
    def _emit_call(self, call) -> None:
        self.calls += 1
        if self.summary is not None:
            self.summary.completed(call)
            return
        if self.as_json:
            record = {"type": "call", **call_record(call)}
            self.trace_out.write(json.dumps(record) + "\n")
            self.trace_out.flush()
        else:
            self._line(call.format())

    def _in_module(self, addr: int) -> bool:
        """Module code (learning the module the first time one of its functions is called)."""
        if self.launch.symbols.module_at(addr) is not None:
            return True
        return self.system.module_at(addr) is not None and self.launch.discover(addr)

    def _emit_entry(self, event: EntryEvent) -> None:
        if self.summary is not None:
            return
        if self.as_json:
            record = {"type": event.kind, "name": event.function, "text": event.format()}
            if event.kind == "enter":
                record["args"] = [{"name": n, "value": v} for n, v, _t in event.args]
            elif event.kind == "return":
                record["result"] = event.result
            else:
                record["error"] = event.error
            self.trace_out.write(json.dumps(record) + "\n")
            self.trace_out.flush()
        else:
            self._line(event.format())


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
            self._flush_repeats()
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
        observers = self.machine.call_observers
        observers.append(self.entries)
        if self.summary is not None:
            ktext = self.machine.layout["ktext"]
            self._hooks.append(self.machine.add_code_hook(self._at_kernel_code, ktext.start, ktext.end - 1))
        try:
            status = self.launch.run(module, iter(list(commands)), entry=entry, postinstall=postinstall,
                                     lenient=lenient, stop_at_entry=bool(self.ranges_text))
        finally:
            remove()
            observers.remove(self.entries)
            for h in self._hooks:
                self.machine.remove_hook(h)
            self._flush_repeats()
            if self.summary is not None:
                self.summary.write(self.trace_out)
        failures = self.launch.session.guest_failures
        if failures and not status:
            line, status = failures[0]
            self.errors.append(f"kemu trace: --run '{line}' failed with exit status {status}")
        return status

    def _at_kernel_code(self, addr: int, size: int) -> None:
        """(-c) The guest reached kernel code: a service's stub starts the service's clock."""
        if self.machine.stub_at(addr) is not None:
            self.summary.started()
