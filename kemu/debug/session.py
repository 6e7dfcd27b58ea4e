"""The debugger's command interpreter: gdb's commands over the engine, the panel and the shell.

A `Session` reads command lines from one source (a terminal, a `--batch` file, a pipe) both
at the top level — where the personality's shell commands (`od /dev/fibo0`, `modstat`) run
the guest — and at every stop, where the engine calls `on_stop` from inside its hook. Every
user error is printed the way gdb words it and the session goes on.
"""
from __future__ import annotations

import codecs
import os
import re
import sys
from dataclasses import dataclass
from typing import Callable, Iterator, TextIO

from kemu.debug.commands import COMMANDS, CommandError, parse_line, resolve_command, resolve_info
from kemu.debug.core import Debugger, DebuggerKilled, StopEvent
from kemu.debug.expr import Evaluator, Value
from kemu.debug.formats import (MemoryReadError, XFormat, examine, format_char, format_integer,
                                parse_x_format)
from kemu.debug.panel import PanelData, format_flags, render_panel
from kemu.debug.symbols import SymbolIndex

_RESUMING = {"continue", "stepi", "nexti", "step", "next", "finish", "until", "advance", "kill"}


class SessionEnd(Exception):
    """`quit` (or the end of the command input): leave the debugger."""


@dataclass
class Display:
    number: int
    fmt: str
    expression: str
    enabled: bool = True


@dataclass
class _ListState:
    file: str | None = None
    last: int = 0          # last line listed


class Session:
    """gdb-like commands over a Debugger, with output to `out` and errors to `err`."""

    def __init__(self, machine, symbols: SymbolIndex, *, out: TextIO = sys.stdout, err: TextIO | None = None,
                 color: bool = False, context: bool = True, kernel=None,
                 shell_runner: Callable[[str], int] | None = None,
                 shell_words: set[str] | frozenset = frozenset(),
                 module_finder: Callable[[int], bool] | None = None,
                 prompt: str = "(kemu) ", echo_commands: bool = False):
        self.m = machine
        self.arch = machine.arch
        self.word = 8 if self.arch == "x86_64" else 4
        self.symbols = symbols
        self.out = out
        self.err = err or out
        self.color = color
        self.context = context
        self.kernel = kernel
        self.shell_runner = shell_runner
        self.shell_words = set(shell_words)
        self.module_finder = module_finder
        self.prompt = prompt
        self.echo_commands = echo_commands
        self.dbg = Debugger(machine, symbols, self.on_stop)
        self.lines: Iterator[str] = iter(())
        self.history: list[Value] = []
        self.displays: list[Display] = []
        self._display_number = 1
        self._xfmt = XFormat(1, "x", 4)
        self._xnext: int | None = None
        self._list = _ListState()
        self._previous_regs: dict[str, int] | None = None
        self._panel_baseline: dict[str, int] | None = None
        self._trace_mark = 0
        self._last_line = ""
        self.quitting = False
        self.errors = 0
        self.remote = None              # a GdbServer when gdb drives the stops
        self._evaluator = Evaluator(_EvalContext(self), self.arch)

    # ---- output -----------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def error(self, text: str) -> None:
        self.errors += 1
        if self.err is not self.out:
            self.out.flush()
        self.err.write(text + "\n")
        self.err.flush()

    # ---- reading commands -------------------------------------------------------------
    def _read_line(self) -> str | None:
        try:
            line = next(self.lines)
        except StopIteration:
            return None
        if self.echo_commands:
            self.say(f"{self.prompt}{line.rstrip()}")
        return line

    def command_loop(self, stopped: bool) -> None:
        """Read and run commands until one resumes the guest (at a stop) or the input ends."""
        while True:
            line = self._read_line()
            if line is None:
                raise SessionEnd()
            text = line.strip()
            if not text:
                if stopped and self._last_line:
                    text = self._last_line   # gdb repeats stepping commands on an empty line
                else:
                    continue
            try:
                resumed = self.execute(text, stopped)
            except SessionEnd:
                raise
            except CommandError as exc:
                self._print_error(exc)
                continue
            except (KeyboardInterrupt, DebuggerKilled):
                raise
            except Exception as exc:  # a bug in a command must not take the guest down with it
                self.error(f"kemu: internal error in `{text}': {type(exc).__name__}: {exc}")
                continue
            if resumed:
                return

    def _print_error(self, exc: CommandError) -> None:
        lines = getattr(exc, "lines", None)
        if lines:
            for ln in lines:
                self.say(ln)
        self.error(str(exc))

    # ---- dispatch ---------------------------------------------------------------------
    def execute(self, text: str, stopped: bool) -> bool:
        """Run one command line; True when it resumed the guest (the stop loop returns)."""
        word = text.split(None, 1)[0]
        if word.startswith("!"):
            return self._shell(text[1:].strip())
        try:
            parsed = parse_line(text)
        except CommandError:
            base = re.split(r"[\s/]", word, 1)[0]
            if base in self.shell_words and self.shell_runner is not None:
                return self._shell(text)
            raise
        if parsed is None:
            return False
        name = parsed.command.name
        if name in ("step", "next", "stepi", "nexti", "continue", "finish", "until", "advance"):
            self._last_line = text
        else:
            self._last_line = ""
        if name in _RESUMING and not stopped:
            raise CommandError("The program is not being run.")
        handler = getattr(self, "cmd_" + name.replace("-", "_"))
        result = handler(parsed.args, parsed.fmt)
        return bool(result) and name in _RESUMING

    # ---- the stop -----------------------------------------------------------------------
    def on_stop(self, event: StopEvent) -> None:
        """Called by the engine from inside its hook: show where we are, then take commands."""
        self._discover_module(event.pc)
        if self.remote is not None:
            self._remote_stop(event)
            return
        self._announce(event)
        try:
            self.command_loop(stopped=True)
        except SessionEnd:
            # quit or end of input while the module runs: abort this guest call, as gdb kills
            self.quitting = True
            self.dbg.kill()

    def _remote_stop(self, event: StopEvent) -> None:
        from kemu.debug.gdbstub import Stop
        kind = {"breakpoint": "breakpoint", "watch": "watch", "entry": "entry"}.get(event.kind, "step")
        stop = Stop(event.pc, kind, event.watch[0].address if event.watch else None)
        resume = self.remote.on_stop(stop)
        if resume.address is not None:
            self.dbg.m.regs.write(self.dbg.pc_name, resume.address)
        if resume.action == "step":
            self.dbg.resume_stepi(1)
        elif resume.action == "continue":
            self.dbg.resume_continue()
        elif resume.action == "detach":
            self.say("kemu: gdb detached; the module runs on without a debugger")
            self.dbg.detach()
            self.remote = None
        elif resume.action == "kill":
            self.say("kemu: gdb killed the module call")
            self.quitting = True
            self.dbg.kill()

    def stub_target(self):
        """The GDB stub's view of this session's machine (registers, memory, breakpoints)."""
        from kemu.debug.remote_target import RemoteTarget
        return RemoteTarget(self.dbg)

    def _discover_module(self, pc: int) -> None:
        if self.symbols.module_at(pc) is None and self.module_finder is not None:
            self.module_finder(pc)

    def _announce(self, event: StopEvent) -> None:
        pc = event.pc
        if event.kind == "breakpoint" and event.breakpoint is not None:
            bp = event.breakpoint
            self.say("")
            prefix = "Temporary breakpoint" if bp.temporary else "Breakpoint"
            self.say(f"{prefix} {bp.number}, {self._where(pc, with_pc_when_source=False)}")
        elif event.kind == "entry":
            self.say(f"Stopped at the module's entry point: {self._where(pc, with_pc_when_source=False)}")
        elif event.kind == "watch" and event.watch is not None:
            w, old, new = event.watch
            self.say("")
            self.say(f"Hardware watchpoint {w.number}: {w.expression}")
            self.say("")
            self.say(f"Old value = {self._watch_value(old)}")
            self.say(f"New value = {self._watch_value(new)}")
            self.say(self._where(pc, with_pc_when_source=True))
        elif event.kind == "finish":
            self.say(self._where(pc, with_pc_when_source=True))
        else:
            self.say(self._step_where(pc))
        loc = self.symbols.location(pc)
        if loc is not None and event.kind != "step":
            text = self._source_line(loc.file, loc.line)
            if text is not None:
                self.say(f"{loc.line}\t{text}")
        if event.kind == "finish" and event.finish_value is not None:
            v = self._evaluator._int(event.finish_value, self._evaluator.int_t)
            self.history.append(v)
            self.say(f"Value returned is ${len(self.history)} = {v.value}")
        self._after_stop()

    def _after_stop(self) -> None:
        # changes are marked against the registers at the previous stop, whenever the panel shows
        self._panel_baseline = self._previous_regs
        if self.context:
            self.say(self.panel())
        self._show_displays()
        self._previous_regs = self._snapshot()
        if self.kernel is not None:
            self._trace_mark = self._trace_total()

    def _step_where(self, pc: int) -> str:
        """What gdb prints after a step: the line, prefixed by the pc when mid-line or without source."""
        loc = self.symbols.location(pc)
        prev_fn = getattr(self, "_last_function", None)
        fn = self._function_name(pc)
        self._last_function = fn
        if loc is None:
            return f"{pc:#x} in {fn or '??'} ()"
        text = self._source_line(loc.file, loc.line) or ""
        sm = self.symbols.source_for(pc)
        head = ""
        if fn != prev_fn:
            head = f"{fn} () at {loc.basename}:{loc.line}\n"
        if sm is not None and not sm.is_statement_start(pc):
            return f"{head}{pc:#x}\t{loc.line}\t{text}"
        return f"{head}{loc.line}\t{text}"

    def _where(self, pc: int, with_pc_when_source: bool) -> str:
        fn = self._function_name(pc)
        self._last_function = fn
        loc = self.symbols.location(pc)
        if loc is not None:
            sm = self.symbols.source_for(pc)
            mid = sm is not None and not sm.is_statement_start(pc)
            prefix = f"{pc:#x} in " if (mid or with_pc_when_source and mid) else ""
            return f"{prefix}{fn or '??'} () at {loc.basename}:{loc.line}"
        return f"{pc:#x} in {fn or '??'} ()"

    def _function_name(self, pc: int) -> str | None:
        hit = self.symbols.symbolize(pc)
        return hit[0] if hit else None

    def _watch_value(self, data: bytes) -> str:
        if len(data) in (1, 2, 4, 8):
            v = int.from_bytes(data, "little")
            signed = v - (1 << (8 * len(data))) if v >> (8 * len(data) - 1) else v
            return str(signed)
        return "{" + ", ".join(f"0x{b:02x}" for b in data[:32]) + ("..." if len(data) > 32 else "") + "}"

    # ---- the panel ----------------------------------------------------------------------
    def _register_names(self) -> list[str]:
        if self.arch == "x86_64":
            return ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"] + [f"r{i}" for i in range(8, 16)] + ["rip", "eflags"]
        return ["eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip", "eflags"]

    def _snapshot(self) -> dict[str, int]:
        return {n: self.m.regs.read(n) for n in self._register_names()}

    def panel(self) -> str:
        pc = self.dbg.pc
        regs = self._snapshot()
        code = []
        for insn_pc, label, text in self._code_window(pc):
            code.append((insn_pc == pc, f"{insn_pc:#x}", label, text))
        title = None
        source: list[tuple[int, str, bool]] = []
        loc = self.symbols.location(pc)
        if loc is not None:
            lines = self._source_lines(loc.file)
            if lines is not None:
                title = loc.basename
                lo = max(1, loc.line - 3)
                hi = min(len(lines), loc.line + 3)
                source = [(n, lines[n - 1], n == loc.line) for n in range(lo, hi + 1)]
        stack = []
        sp = self.dbg.sp
        for i in range(6):
            a = sp + i * self.word
            try:
                v = int.from_bytes(self.m.mem.read(a, self.word), "little")
            except Exception:
                break
            stack.append((a, v, self.symbols.label(v) if self.symbols.module_at(v) or self._is_stub(v) else None))
        services = self._recent_services(5)
        data = PanelData(self.arch, [(n, regs[n]) for n in self._register_names()], self._panel_baseline,
                         code, title, source, stack, services)
        return render_panel(data, self.color)

    def _is_stub(self, addr: int) -> bool:
        try:
            return self.m.stub_at(addr) is not None
        except Exception:
            return False

    def _code_window(self, pc: int, before: int = 3, after: int = 6) -> list[tuple[int, str | None, str]]:
        start = self.dbg.symbols.function_start(pc)
        insns = []
        if start is not None and 0 <= pc - start < 0x2000:
            try:
                insns = self._disassemble(start, max(1, pc - start + 64))
            except Exception:
                insns = []
        idx = next((i for i, ins in enumerate(insns) if ins[0] == pc), None)
        if idx is None:
            try:
                insns = self._disassemble(pc, after + 1, count_mode=True)
            except Exception:
                return []
            idx = 0
        window = insns[max(0, idx - before): idx + after + 1]
        return window

    def _disassemble(self, addr: int, n: int, count_mode: bool = False) -> list[tuple[int, str | None, str]]:
        """(address, label, text) for instructions: `count_mode` n instructions, else n bytes' worth."""
        if count_mode:
            insns = self.m.disassemble(addr, n)
        else:
            insns = []
            cur = addr
            end = addr + n
            while cur < end:
                chunk = self.m.disassemble(cur, 32)
                if not chunk:
                    break
                for ins in chunk:
                    if ins.address >= end:
                        break
                    insns.append(ins)
                cur = chunk[-1].address + chunk[-1].size
                if chunk[-1].address >= end:
                    break
        return [(ins.address, self.symbols.label(ins.address), _insn_text(ins)) for ins in insns]

    def _trace_total(self) -> int:
        t = self.kernel.trace
        return getattr(t, "total", None) or len(t)

    def _recent_services(self, n: int) -> list[str]:
        if self.kernel is None:
            return []
        try:
            calls = list(self.kernel.trace)[-n:]
        except Exception:
            return []
        return [c.format() if hasattr(c, "format") else str(c) for c in calls]

    def _show_displays(self) -> None:
        for d in self.displays:
            if d.enabled:
                self._show_display(d)

    def _show_display(self, d: Display) -> None:
        try:
            if d.fmt and (d.fmt[-1] in "is" or any(ch in d.fmt for ch in "bhwg") or d.fmt[0].isdigit()):
                fmt = parse_x_format(d.fmt, XFormat(1, "x", 4), self.word)
                addr = self._evaluator.address_of(d.expression)
                self.say(f"{d.number}: x/{d.fmt} {d.expression}")
                for line in self._examine_lines(addr, fmt):
                    self.say(line)
            else:
                v = self._evaluator.evaluate(d.expression)
                self.say(f"{d.number}: {'/' + d.fmt + ' ' if d.fmt else ''}{d.expression} = {self.format_value(v, d.fmt)}")
        except CommandError as exc:
            self._print_error(exc)

    # ---- source text ----------------------------------------------------------------------
    def _source_lines(self, file: str) -> list[str] | None:
        for sm in self.symbols.source_maps():
            if file in sm.files():
                return sm.source_text(file)
        return None

    def _source_line(self, file: str, line: int) -> str | None:
        lines = self._source_lines(file)
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1]

    # ---- locations ------------------------------------------------------------------------
    def resolve_location(self, text: str) -> list[tuple[int, str]]:
        """Addresses for a breakpoint location: *EXPR, FUNC, FUNC+OFF, FILE:LINE, LINE."""
        text = text.strip()
        if not text:
            if self.dbg.stopped is None:
                raise CommandError("No default breakpoint address now.")
            return [(self.dbg.pc, self._label_or_hex(self.dbg.pc))]
        if text.startswith("*"):
            addr = self._evaluator.address_of(text[1:])
            return [(addr, self._label_or_hex(addr))]
        m = re.fullmatch(r"(.+):(\d+)", text)
        if m:
            return self._line_location(m.group(1), int(m.group(2)))
        if text.isdigit():
            loc = self.symbols.location(self.dbg.pc) if self.dbg.stopped else None
            file = loc.file if loc else self._list.file
            if file is None:
                raise CommandError("No symbol table is loaded.  Use the \"file\" command.")
            return self._line_location(file, int(text))
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_.$]*)\s*(?:([+-])\s*(0x[0-9a-fA-F]+|\d+))?", text)
        if m:
            name = m.group(1)
            sym = self.symbols.lookup(name)
            if sym is None:
                raise CommandError(f'Function "{name}" not defined.')
            addr = sym.addr
            if m.group(2):
                off = int(m.group(3), 0)
                addr = addr + off if m.group(2) == "+" else addr - off
                return [(addr, self._label_or_hex(addr))]
            sm = self.symbols.source_for(addr)
            func = sm.function_named(name) if sm is not None else None
            if func is not None and func.low == addr:
                addr = sm.after_prologue(func)
            return [(addr, self._label_or_hex(addr))]
        addr = self._evaluator.address_of(text)
        return [(addr, self._label_or_hex(addr))]

    def _line_location(self, file: str, line: int) -> list[tuple[int, str]]:
        maps = self.symbols.source_maps()
        if not maps:
            raise CommandError("No symbol table is loaded.  Use the \"file\" command.")
        for sm in maps:
            files = sm.match_file(file)
            for f in files:
                used, addrs = sm.addresses_for_line(f, line)
                if addrs:
                    return [(a, f"{os.path.basename(f)}:{used}") for a in addrs]
            if files:
                raise CommandError(f"Line {line} out of range; \"{file}\" has no code at or after it.")
        raise CommandError(f'No source file named {file}.')

    def _label_or_hex(self, addr: int) -> str:
        lab = self.symbols.label(addr)
        return f"<{lab}>" if lab else f"{addr:#x}"

    def _describe_address(self, addr: int) -> str:
        loc = self.symbols.location(addr)
        fn = self._function_name(addr)
        text = f"{addr:#x}"
        if fn:
            text += f": file {loc.basename}, line {loc.line}." if loc else f" <{self.symbols.label(addr)}>"
        return text

    # ---- values -------------------------------------------------------------------------
    def format_value(self, v: Value, fmt: str = "") -> str:
        letter = fmt[-1] if fmt else ""
        t = v.type
        label = None
        if t.kind in ("ptr", "func"):
            label = self.symbols.label(v.value & self.dbg.mask)
        if letter and letter not in "s":
            if letter == "c":
                return format_char(v.value)
            if letter == "a":
                return format_integer(v.value, "a", self.word, pad=False, symbolize=self.symbols.label)
            size = t.size if t.kind == "int" else self.word
            return format_integer(v.value, letter, size, pad=letter in ("z",))
        if t.kind == "func":
            return f"{{{t.name}}} {v.value:#x} <{v.symbol}>"
        if t.kind == "ptr":
            text = f"({t.name}) {v.value:#x}"
            return text + (f" <{label}>" if label else "")
        if t.kind == "unknown":
            raise CommandError(f"'{v.symbol}' has unknown type; cast it to its declared type")
        if t.kind == "void":
            return "void"
        if v.lval and v.lval[0] == "reg" and v.lval[1] == "eflags":
            return format_flags(v.value)
        if t.size == 1:
            return format_char(v.value)
        return str(v.value)

    # ---- commands -----------------------------------------------------------------------
    def cmd_help(self, args: str, fmt: str) -> None:
        if args:
            spec = resolve_command(args.split()[0])
            self.say(spec.summary)
            if spec.aliases:
                self.say(f"Aliases: {', '.join(spec.aliases)}")
            return
        self.say("kemu debugger commands (gdb's names and abbreviations):")
        for spec in COMMANDS:
            names = spec.name + (f" ({', '.join(spec.aliases)})" if spec.aliases else "")
            self.say(f"  {names:<24} {spec.summary}")
        if self.shell_words:
            self.say("Guest shell commands (run the module): " + ", ".join(sorted(self.shell_words)))

    def cmd_echo(self, args: str, fmt: str) -> None:
        text = codecs.decode(args.encode("latin-1", "backslashreplace"), "unicode_escape")
        self.out.write(text)
        self.out.flush()

    def cmd_shell(self, args: str, fmt: str) -> None:
        self._shell(args)

    def _shell(self, line: str) -> bool:
        if not line:
            raise CommandError("Argument required (shell command).")
        if self.shell_runner is None:
            raise CommandError("This system has no shell.")
        self.shell_runner(line)
        return False

    def cmd_break(self, args: str, fmt: str, temporary: bool = False) -> None:
        for addr, where in self.resolve_location(args):
            bp = self.dbg.add_breakpoint(addr, where, temporary=temporary)
            kind = "Temporary breakpoint" if temporary else "Breakpoint"
            self.say(f"{kind} {bp.number} at {self._describe_address(addr)}")

    def cmd_tbreak(self, args: str, fmt: str) -> None:
        self.cmd_break(args, fmt, temporary=True)

    def _numbers(self, args: str) -> list[int]:
        out = []
        for tok in args.replace(",", " ").split():
            m = re.fullmatch(r"(\d+)-(\d+)", tok)
            if m:
                out.extend(range(int(m.group(1)), int(m.group(2)) + 1))
            elif tok.isdigit():
                out.append(int(tok))
            else:
                raise CommandError(f"Convenience variable must have integer value.\nArgs must be numbers or '$' variables.")
        return out

    def cmd_delete(self, args: str, fmt: str) -> None:
        args = re.sub(r"^(breakpoints|display)\b", "", args).strip()
        if not args:
            self.dbg.delete_all()
            return
        for n in self._numbers(args):
            if n in self.dbg.breakpoints:
                self.dbg.delete_breakpoint(n)
            elif n in self.dbg.watchpoints:
                self.dbg.delete_watchpoint(n)
            else:
                self.error(f"No breakpoint number {n}.")

    def _set_enabled(self, args: str, value: bool) -> None:
        targets = self._numbers(args) if args else list(self.dbg.breakpoints)
        for n in targets:
            bp = self.dbg.breakpoints.get(n)
            if bp is None:
                self.error(f"No breakpoint number {n}.")
                continue
            bp.enabled = value
        self.dbg._sync_outside_stop()

    def cmd_disable(self, args: str, fmt: str) -> None:
        self._set_enabled(args, False)

    def cmd_enable(self, args: str, fmt: str) -> None:
        self._set_enabled(args, True)

    def _count(self, args: str) -> int:
        if not args:
            return 1
        v = self._evaluator.evaluate(args).value
        if v < 1:
            raise CommandError(f"Invalid count {v}.")
        return v

    def cmd_continue(self, args: str, fmt: str) -> bool:
        self.dbg.resume_continue()
        self.say("Continuing.")
        return True

    def cmd_stepi(self, args: str, fmt: str) -> bool:
        self.dbg.resume_stepi(self._count(args))
        return True

    def cmd_nexti(self, args: str, fmt: str) -> bool:
        self.dbg.resume_stepi(self._count(args), over_calls=True)
        return True

    def cmd_step(self, args: str, fmt: str) -> bool:
        n = self._count(args)
        if not self.dbg.resume_step_line(n):
            # gdb: without line info, step runs until a function with line info... here: stepi
            self.say("Single stepping until exit from function "
                     f"{self._function_name(self.dbg.pc) or '??'},\nwhich has no line number information.")
            if not self.dbg.resume_finish():
                self.dbg.resume_stepi(1, over_calls=True)
        return True

    def cmd_next(self, args: str, fmt: str) -> bool:
        n = self._count(args)
        if not self.dbg.resume_step_line(n, over_calls=True):
            self.say("Single stepping until exit from function "
                     f"{self._function_name(self.dbg.pc) or '??'},\nwhich has no line number information.")
            if not self.dbg.resume_finish():
                self.dbg.resume_stepi(1, over_calls=True)
        return True

    def cmd_finish(self, args: str, fmt: str) -> bool:
        frames = self.dbg.frames(2)
        if not self.dbg.resume_finish():
            raise CommandError("\"finish\" not meaningful in the outermost frame.")
        if frames:
            self.say(f"Run till exit from {self._frame_text(frames[0])}")
        return True

    def cmd_until(self, args: str, fmt: str) -> bool:
        if not args:
            return self.cmd_next("", fmt)
        addr = self.resolve_location(args)[0][0]
        self.dbg.resume_until(addr, "until")
        return True

    def cmd_advance(self, args: str, fmt: str) -> bool:
        if not args:
            raise CommandError("Argument required (a location).")
        addr = self.resolve_location(args)[0][0]
        self.dbg.resume_until(addr, "until")
        return True

    def cmd_kill(self, args: str, fmt: str) -> bool:
        self.dbg.kill()
        self.say("[kemu: module call killed]")
        return True

    def cmd_quit(self, args: str, fmt: str) -> None:
        raise SessionEnd()

    def _frame_text(self, frame) -> str:
        fn = self._function_name(frame.pc) or "??"
        pc = frame.pc if frame.level == 0 else frame.pc - 1
        loc = self.symbols.location(pc)
        head = f"#{frame.level:<2} "
        sm = self.symbols.source_for(frame.pc)
        show_pc = frame.level > 0 or loc is None or (sm is not None and not sm.is_statement_start(frame.pc))
        text = head + (f"{frame.pc:#x} in " if show_pc else "") + f"{fn} ()"
        if loc is not None:
            text += f" at {loc.basename}:{loc.line}"
        return text

    def cmd_backtrace(self, args: str, fmt: str) -> None:
        self._need_stop()
        limit = int(args) if args.strip().isdigit() else 64
        frames = self.dbg.frames(limit)
        for f in frames:
            self.say(self._frame_text(f))
        depth = getattr(self.m, "depth", 0)
        self.say(f"#{len(frames):<2} <kernel> (called from Python, guest call depth {depth})")

    def cmd_frame(self, args: str, fmt: str) -> None:
        self._need_stop()
        frames = self.dbg.frames(1)
        self.say(self._frame_text(frames[0]))
        loc = self.symbols.location(frames[0].pc)
        if loc is not None:
            text = self._source_line(loc.file, loc.line)
            if text is not None:
                self.say(f"{loc.line}\t{text}")

    def _need_stop(self) -> None:
        if self.dbg.stopped is None:
            raise CommandError("No stack.")

    def _need_registers(self) -> None:
        if self.dbg.stopped is None:
            raise CommandError("The program has no registers now.")

    def cmd_info(self, args: str, fmt: str) -> None:
        if not args:
            raise CommandError('List of info subcommands: breakpoints, registers, all-registers, symbol, '
                               'line, frame, display, source, services, watchpoints.')
        word, _, rest = args.partition(" ")
        sub = resolve_info(word)
        getattr(self, "info_" + sub.replace("-", "_"))(rest.strip())

    def info_breakpoints(self, rest: str) -> None:
        items = sorted(list(self.dbg.breakpoints.values()) + list(self.dbg.watchpoints.values()),
                       key=lambda b: b.number)
        if not items:
            self.say("No breakpoints or watchpoints.")
            return
        w = 18 if self.word == 8 else 10
        self.say(f"{'Num':<8}{'Type':<15}{'Disp':<5}{'Enb':<4}{'Address':<{w + 1}}What")
        for b in items:
            if hasattr(b, "location"):
                disp = "del" if b.temporary else "keep"
                self.say(f"{b.number:<8}{'breakpoint':<15}{disp:<5}{'y' if b.enabled else 'n':<4}"
                         f"0x{b.address:0{w - 2}x} {self._bp_what(b)}")
            else:
                self.say(f"{b.number:<8}{'hw watchpoint':<15}{'keep':<5}{'y':<4}{'':<{w + 1}}{b.expression}")
            if b.hits:
                self.say(f"\tbreakpoint already hit {b.hits} time{'s' if b.hits != 1 else ''}")

    def _bp_what(self, b) -> str:
        loc = self.symbols.location(b.address)
        fn = self._function_name(b.address)
        if loc is not None and fn:
            return f"in {fn} at {loc.basename}:{loc.line}"
        lab = self.symbols.label(b.address)
        return f"<{lab}>" if lab else ""

    def info_watchpoints(self, rest: str) -> None:
        if not self.dbg.watchpoints:
            self.say("No watchpoints.")
            return
        for w in self.dbg.watchpoints.values():
            self.say(f"{w.number:<8}{'hw watchpoint':<15}keep y   {w.expression}")

    def info_registers(self, rest: str) -> None:
        self._need_registers()
        names = rest.replace("$", "").split() or self._info_register_names()
        for n in names:
            real = {"pc": self.dbg.pc_name, "sp": self.dbg.sp_name, "fp": self.dbg.fp_name}.get(n, n)
            try:
                v = self.m.regs.read(real)
            except Exception:
                raise CommandError(f"Invalid register `{n}'") from None
            self.say(self._register_line(real, v))

    def info_all_registers(self, rest: str) -> None:
        self.info_registers(rest)

    def _info_register_names(self) -> list[str]:
        base = self._register_names()
        return base + ["cs", "ss", "ds", "es", "fs", "gs"]

    def _register_line(self, name: str, v: int) -> str:
        if name in ("eip", "rip"):
            natural = f"{v:#x}" + (f" <{self.symbols.label(v)}>" if self.symbols.label(v) else "")
        elif name in ("esp", "ebp", "rsp", "rbp"):
            natural = f"{v:#x}"
        elif name == "eflags":
            natural = format_flags(v)
        else:
            bits = 64 if self.arch == "x86_64" and name.startswith("r") else 32
            natural = str(v - (1 << bits) if v >> (bits - 1) else v)
        hx = f"{v:#x}"
        return f"{name:<15}{hx:<18} {natural}"

    def info_symbol(self, rest: str) -> None:
        if not rest:
            raise CommandError("Argument required (address).")
        addr = self._evaluator.address_of(rest)
        hit = self.symbols.symbolize(addr)
        if hit is None:
            self.say(f"No symbol matches {rest}.")
            return
        name, off = hit
        m = self.symbols.module_at(addr)
        section = ""
        if m is not None:
            best = None
            for sname, saddr in m.section_addresses.items():
                if saddr <= addr and (best is None or saddr > best[1]):
                    best = (sname, saddr)
            if best:
                section = f" in section {best[0]}"
        else:
            section = " in kernel text"
        self.say(f"{name}{f' + {off}' if off else ''}{section}")

    def info_address(self, rest: str) -> None:
        sym = self.symbols.lookup(rest.strip())
        if sym is None:
            raise CommandError(f'No symbol "{rest.strip()}" in current context.')
        what = "function" if sym.kind == "func" else "static storage"
        self.say(f'Symbol "{sym.name}" is {what} at address {sym.addr:#x}.')

    def info_line(self, rest: str) -> None:
        if rest:
            addrs = self.resolve_location(rest)
            addr = addrs[0][0]
        else:
            self._need_stop()
            addr = self.dbg.pc
        sm = self.symbols.source_for(addr)
        loc = sm.location(addr) if sm else None
        if loc is None:
            self.say(f"No line number information available for address {addr:#x} <{self.symbols.label(addr)}>")
            return
        ranges = sm.line_ranges(loc.file, loc.line)
        span = next(((lo, hi) for lo, hi in ranges if lo <= addr < hi), ranges[0] if ranges else (addr, addr))
        self.say(f'Line {loc.line} of "{loc.basename}" starts at address {span[0]:#x} <{self.symbols.label(span[0])}> '
                 f"and ends at {span[1]:#x} <{self.symbols.label(span[1])}>.")

    def info_frame(self, rest: str) -> None:
        self._need_stop()
        frames = self.dbg.frames(2)
        f0 = frames[0]
        self.say(f"Stack level 0, frame at {f0.cfa:#x}:" if f0.cfa is not None else "Stack level 0:")
        loc = self.symbols.location(f0.pc)
        fn = self._function_name(f0.pc) or "??"
        self.say(f" {self.dbg.pc_name} = {f0.pc:#x} in {fn}" + (f" ({loc}); " if loc else "; ")
                 + (f"saved {self.dbg.pc_name} = {frames[1].pc:#x}" if len(frames) > 1 else "outermost"))

    def info_display(self, rest: str) -> None:
        if not self.displays:
            self.say("There are no auto-display expressions now.")
            return
        self.say("Auto-display expressions now in effect:\nNum Enb Expression")
        for d in self.displays:
            self.say(f"{d.number}:   {'y' if d.enabled else 'n'}  {'/' + d.fmt + ' ' if d.fmt else ''}{d.expression}")

    def info_source(self, rest: str) -> None:
        loc = self.symbols.location(self.dbg.pc) if self.dbg.stopped else None
        if loc is None:
            self.say("No current source file.")
            return
        sm = self.symbols.source_for(self.dbg.pc)
        path = sm.find_source(loc.file) if sm else None
        self.say(f"Current source file is {loc.file}")
        self.say(f"Located in {path.resolve() if path else '(not found)'}")

    def info_services(self, rest: str) -> None:
        n = int(rest) if rest.strip().isdigit() else 20
        calls = self._recent_services(n)
        if not calls:
            self.say("No kernel services called yet.")
        for c in calls:
            self.say(c)

    def cmd_print(self, args: str, fmt: str) -> None:
        if not args:
            if not self.history:
                raise CommandError("History is empty.")
            v = self.history[-1]
        else:
            v = self._evaluator.evaluate(args)
        text = self.format_value(v, fmt)
        self.history.append(v)
        self.say(f"${len(self.history)} = {text}")

    def cmd_output(self, args: str, fmt: str) -> None:
        v = self._evaluator.evaluate(args)
        self.out.write(self.format_value(v, fmt))
        self.out.flush()

    def cmd_set(self, args: str, fmt: str) -> None:
        text = re.sub(r"^(var|variable)\s+", "", args.strip())
        if text.startswith("context"):
            self.context = text.split()[-1] in ("on", "1", "yes")
            return
        if text.startswith("listsize") or text.startswith("pagination") or text.startswith("confirm"):
            return
        if "=" not in text:
            raise CommandError('A syntax error in expression, near `\'.')
        self._evaluator.evaluate(text)

    def cmd_x(self, args: str, fmt: str) -> None:
        # a bare `x` repeats the last format and size for one unit, as gdb does
        self._xfmt = parse_x_format(fmt, self._xfmt, self.word) if fmt else XFormat(
            1, self._xfmt.letter, self._xfmt.size)
        if not args:
            if self._xnext is None:
                raise CommandError("Argument required (starting display address).")
            addr = self._xnext
        else:
            addr = self._evaluator.address_of(args)
        for line in self._examine_lines(addr, self._xfmt):
            self.say(line)

    def _examine_lines(self, addr: int, fmt: XFormat) -> list[str]:
        if fmt.letter == "i":
            insns = self.m.disassemble(addr, fmt.count)
            if not insns:
                raise CommandError(f"Cannot access memory at address {addr:#x}")
            pc = self.dbg.pc if self.dbg.stopped else None
            out = []
            for ins in insns:
                lab = self.symbols.label(ins.address)
                mark = "=> " if ins.address == pc else "   "
                out.append(f"{mark}{ins.address:#x}{f' <{lab}>' if lab else ''}:\t{_insn_text(ins)}")
            self._xnext = insns[-1].address + insns[-1].size
            return out
        try:
            lines, nxt = examine(self._read, addr, fmt, label=self.symbols.label, word_size=self.word)
        except MemoryReadError as exc:
            self._xnext = None
            raise
        self._xnext = nxt
        return lines

    def _read(self, addr: int, n: int) -> bytes:
        try:
            return self.m.mem.read(addr & self.dbg.mask, n)
        except Exception:
            raise CommandError(f"Cannot access memory at address {addr & self.dbg.mask:#x}") from None

    def cmd_disassemble(self, args: str, fmt: str) -> None:
        pc = self.dbg.pc if self.dbg.stopped else None
        args = args.strip()
        if "," in args:
            a, b = args.split(",", 1)
            lo = self._evaluator.address_of(a)
            b = b.strip()
            hi = lo + self._evaluator.address_of(b[1:]) if b.startswith("+") else self._evaluator.address_of(b)
            self.say(f"Dump of assembler code from {lo:#x} to {hi:#x}:")
            name = None
        else:
            if args:
                addr = self._evaluator.address_of(args)
            elif pc is not None:
                addr = pc
            else:
                raise CommandError("No frame selected.")
            hit = self.symbols.symbolize(addr)
            if hit is None:
                raise CommandError(f"No function contains specified address.")
            name = hit[0]
            lo = addr - hit[1]
            sym = self.symbols.lookup(name)
            size = sym.size if sym is not None and sym.size else 0
            if not size:
                sm = self.symbols.source_for(lo)
                f = sm.function_at(lo) if sm else None
                size = (f.high - f.low) if f else 64
            hi = lo + size
            self.say(f"Dump of assembler code for function {name}:")
        for a, label, text in self._disassemble(lo, hi - lo):
            off = a - lo
            rel = f"<+{off}>" if name else (f"<{label}>" if label else "")
            self.say(f"{'=> ' if a == pc else '   '}{a:#x} {rel}:\t{text}")
        self.say("End of assembler dump.")

    def cmd_list(self, args: str, fmt: str) -> None:
        args = args.strip()
        maps = self.symbols.source_maps()
        if not maps:
            raise CommandError("No symbol table is loaded.  Use the \"file\" command.")
        st = self._list
        first = last = None
        if not args:
            if st.file is None:
                loc = self.symbols.location(self.dbg.pc) if self.dbg.stopped else None
                if loc is None:
                    raise CommandError("No default source file; use \"list FUNCTION\" or \"list FILE:LINE\".")
                st.file = loc.file
                first = max(1, loc.line - 5)
            else:
                first = st.last + 1
        elif args == "-":
            if st.file is None:
                raise CommandError("No default source file.")
            first = max(1, st.last - 19)
        elif re.fullmatch(r"\d+\s*,\s*\d+", args):
            a, b = (int(x) for x in args.split(","))
            first, last = a, b
            if st.file is None:
                loc = self.symbols.location(self.dbg.pc) if self.dbg.stopped else None
                st.file = loc.file if loc else maps[0].files()[0]
        else:
            center = None
            m = re.fullmatch(r"(.+):(\d+)", args)
            if m:
                for sm in maps:
                    files = sm.match_file(m.group(1))
                    if files:
                        st.file, center = files[0], int(m.group(2))
                        break
                else:
                    raise CommandError(f"No source file named {m.group(1)}.")
            elif args.isdigit():
                if st.file is None:
                    loc = self.symbols.location(self.dbg.pc) if self.dbg.stopped else None
                    st.file = loc.file if loc else maps[0].files()[0]
                center = int(args)
            else:
                addr = self.resolve_location(args)[0][0]
                sm = self.symbols.source_for(addr)
                f = sm.function_at(addr) if sm else None
                if f is None or f.file is None:
                    raise CommandError(f'Function "{args}" has no line information.')
                st.file, center = f.file, f.line or 1
            first = max(1, center - 5)
        if last is None:
            last = first + 9
        lines = self._source_lines(st.file)
        if lines is None:
            raise CommandError(f"{st.file}: No such file or directory.")
        if first > len(lines):
            raise CommandError(f"Line number {first} out of range; \"{st.file}\" has {len(lines)} lines.")
        for n in range(first, min(last, len(lines)) + 1):
            self.say(f"{n}\t{lines[n - 1]}")
        st.last = min(last, len(lines))

    def cmd_watch(self, args: str, fmt: str) -> None:
        text = args.strip()
        if text.startswith("-l ") or text.startswith("-location "):
            text = text.split(None, 1)[1]
        if not text:
            raise CommandError("Argument required (expression to compute).")
        v = self._evaluator.evaluate(text)
        if v.lval is None or v.lval[0] != "mem":
            raise CommandError("Cannot watch constant value `" + text + "'.")
        addr = int(v.lval[1])
        size = v.type.size if v.type.kind != "unknown" else (v.type.size or self.word)
        try:
            wp = self.dbg.add_watchpoint(addr, size, text)
        except Exception:
            raise CommandError(f"Cannot access memory at address {addr:#x}") from None
        self.say(f"Hardware watchpoint {wp.number}: {text}")

    def cmd_display(self, args: str, fmt: str) -> None:
        if not args:
            self._show_displays()
            return
        d = Display(self._display_number, fmt, args.strip())
        self._display_number += 1
        self.displays.append(d)
        if self.dbg.stopped is not None:
            self._show_display(d)

    def cmd_undisplay(self, args: str, fmt: str) -> None:
        if not args:
            self.displays.clear()
            return
        for n in self._numbers(args):
            self.displays = [d for d in self.displays if d.number != n]

    def cmd_context(self, args: str, fmt: str) -> None:
        self._need_registers()
        self.say(self.panel())


class _EvalContext:
    """The evaluator's view of the session: registers, memory, symbols, history."""

    def __init__(self, s: Session):
        self.s = s
        self.word_size = s.word

    def read_register(self, name: str) -> int:
        if self.s.dbg.stopped is None:
            raise CommandError("No registers.")
        return self.s.m.regs.read(name)

    def write_register(self, name: str, value: int) -> None:
        if self.s.dbg.stopped is None:
            raise CommandError("No registers.")
        self.s.m.regs.write(name, value)

    def register_names(self) -> set[str]:
        names = set(self.s._info_register_names())
        if self.s.arch == "x86_64":
            names |= {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp"}
        return names

    def read_memory(self, addr: int, size: int) -> bytes:
        return self.s._read(addr, size)

    def write_memory(self, addr: int, data: bytes) -> None:
        try:
            self.s.m.mem.write(addr, data)
        except Exception:
            raise CommandError(f"Cannot access memory at address {addr:#x}") from None

    def lookup_symbol(self, name: str):
        sym = self.s.symbols.lookup(name)
        if sym is None:
            return None
        return sym.addr, sym.size, "func" if sym.kind == "func" else "object"

    def history(self, index: int | None) -> Value:
        h = self.s.history
        if not h:
            raise CommandError("History is empty.")
        if index is None:
            return h[-1]
        if not 1 <= index <= len(h):
            raise CommandError(f"History has not yet reached ${index}.")
        return h[index - 1]


def _insn_text(ins) -> str:
    return f"{ins.mnemonic:<6} {ins.op_str}".rstrip()
