"""The debugger's command interpreter: gdb's commands over the engine, the panel and the shell.

A `Session` reads command lines from one source (a terminal, a `--batch` file, a pipe) both
at the top level — where the personality's shell commands (`od /dev/fibo0`, `modstat`) run
the guest — and at every stop, where the engine calls `on_stop` from inside its hook. Every
user error is printed the way gdb words it and the session goes on.

This module holds the loop and the state commands share (history, output, the engine); the
commands themselves live in `cmd_*` modules by what they work on, the dispatch rules in
`command_table`, and what a stop prints in `stop_report`.
"""
from __future__ import annotations

import sys
from typing import Callable, Iterator, TextIO

from kemu.debug.cmd_breakpoints import BreakpointCommands
from kemu.debug.cmd_data import DataCommands
from kemu.debug.cmd_memory import MemoryCommands
from kemu.debug.cmd_session import SessionCommands
from kemu.debug.cmd_source import SourceCommands
from kemu.debug.cmd_stack import StackCommands
from kemu.debug.cmd_stepping import SteppingCommands
from kemu.debug.command_table import CommandTable, SessionEnd
from kemu.debug.commands import CommandError
from kemu.debug.core import Debugger
from kemu.debug.eval_context import SessionEvalContext
from kemu.debug.events import DebuggerKilled, StopEvent
from kemu.debug.expr import Evaluator, Value
from kemu.debug.frame_describe import FrameDescriber
from kemu.debug.frame_variables import FrameVariables
from kemu.debug.frames import Frame
from kemu.debug.locations import LocationResolver
from kemu.debug.panel_data import build_panel, terminal_size
from kemu.debug.stop_report import StopReport
from kemu.debug.symbols import SymbolIndex
from kemu.debug.typed_format import TypedFormatter
from kemu.debug.value_format import format_value

__all__ = ["Session", "SessionEnd"]


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
        self.word = machine.word_size
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
        self.quitting = False
        self.errors = 0
        self.guest_failures: list[tuple[str, int]] = []   # (guest shell line, its non-zero status)
        self.remote = None              # a GdbServer when gdb drives the stops
        self.selected_frame = 0         # `frame N` / `up` / `down`; #0 again at every stop
        self.variables = FrameVariables(symbols, self.arch, self.read_memory)
        self.formatter = TypedFormatter(symbols.label, symbols.module_label, self.read_memory)
        self.describe = FrameDescriber(symbols, self.variables, self.formatter, self.dbg.frames)
        self.evaluator = Evaluator(SessionEvalContext(self), self.arch)
        self.report = StopReport(self)
        self.memory = MemoryCommands(self)
        self.source = SourceCommands(self)
        self.locations = LocationResolver(symbols, self.dbg, self.evaluator, lambda: self.source.list_file)
        self.breakpoints = BreakpointCommands(self)
        shell = SessionCommands(self)
        self.table = CommandTable(
            [self.breakpoints, SteppingCommands(self), StackCommands(self), DataCommands(self),
             self.memory, self.source, shell],
            run_shell=shell.run_shell, shell_words=self.shell_words,
            has_shell=lambda: self.shell_runner is not None)

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

    def print_error(self, exc: CommandError) -> None:
        """A command's error, after any lines it produced before failing (`x` part way)."""
        for ln in getattr(exc, "lines", None) or ():
            self.say(ln)
        self.error(str(exc))

    def format_value(self, v: Value, fmt: str = "") -> str:
        return format_value(v, fmt, word=self.word, label=self.symbols.label, typed=self.formatter)

    def panel(self) -> str:
        """The context panel for the current stop."""
        return build_panel(self.dbg, self.kernel, self.report.panel_baseline, self.color,
                           terminal_size(self.out))

    # ---- what commands share ----------------------------------------------------------
    def read_memory(self, addr: int, n: int) -> bytes:
        """Guest memory, or gdb's `Cannot access memory at address …`."""
        try:
            return self.m.mem.read(addr & self.dbg.mask, n)
        except Exception:
            raise CommandError(f"Cannot access memory at address {addr & self.dbg.mask:#x}") from None

    def need_stop(self) -> None:
        if self.dbg.stopped is None:
            raise CommandError("No stack.")

    def current_frame(self) -> Frame:
        """The selected frame (#0 unless `frame N`/`up`/`down` chose another that still exists)."""
        frames = self.dbg.frames(self.selected_frame + 1)
        if self.selected_frame >= len(frames):
            self.selected_frame = len(frames) - 1
        return frames[self.selected_frame]

    def need_registers(self) -> None:
        if self.dbg.stopped is None:
            raise CommandError("The program has no registers now.")

    def break_at(self, where: str) -> None:
        """`break WHERE` (for `--break`); CommandError when it does not resolve."""
        self.breakpoints.break_(where, "")

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
                if stopped and self.table.last_repeatable:
                    text = self.table.last_repeatable   # gdb repeats stepping commands on an empty line
                else:
                    continue
            try:
                resumed = self.execute(text, stopped)
            except SessionEnd:
                raise
            except CommandError as exc:
                self.print_error(exc)
                continue
            except (KeyboardInterrupt, DebuggerKilled):
                raise
            except Exception as exc:  # a bug in a command must not take the guest down with it
                self.error(f"kemu: internal error in `{text}': {type(exc).__name__}: {exc}")
                continue
            if resumed:
                return

    def execute(self, text: str, stopped: bool) -> bool:
        """Run one command line; True when it resumed the guest (the stop loop returns)."""
        return self.table.execute(text, stopped)

    # ---- the stop -----------------------------------------------------------------------
    def on_stop(self, event: StopEvent) -> None:
        """Called by the engine from inside its hook: show where we are, then take commands."""
        if self.symbols.module_at(event.pc) is None and self.module_finder is not None:
            self.module_finder(event.pc)
        self.selected_frame = 0
        if self.remote is not None:
            self._remote_stop(event)
            return
        self.report.announce(event)
        try:
            self.command_loop(stopped=True)
        except SessionEnd:
            # quit or end of input while the module runs: abort this guest call, as gdb kills
            self.quitting = True
            self.dbg.kill()

    def _remote_stop(self, event: StopEvent) -> None:
        """Hand the stop to real gdb (through the stub) and resume as it says."""
        from kemu.debug.gdbstub import Stop
        kind = {"breakpoint": "breakpoint", "watch": "watch", "entry": "entry",
                "signal": "interrupt"}.get(event.kind, "step")
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
