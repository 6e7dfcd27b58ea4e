"""Wiring a debugging session to a booted system: a module load under the debugger, the shell, gdb.

`DebugLaunch` boots nothing itself; it takes a system (`kemu.boot(...)` result), arms "stop at
the next module instruction", asks the personality to load the module through its `load` verb
(docs/interfaces.md §5: the user sees the system's own tool's output, modload's or insmod's),
and discovers each module the first time the guest stops in it
(the linker's image, the object's DWARF and unwind tables). The same session then reads
top-level commands: debugger commands and the guest shell's commands (`od /dev/fibo0`).
"""
from __future__ import annotations

import inspect
import shlex
import sys
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from kemu.debug.commands import CommandError
from kemu.debug.events import DebuggerKilled
from kemu.debug.guest_lines import guest_command_names
from kemu.debug.session import Session, SessionEnd
from kemu.debug.symbols import SymbolIndex, module_info_from_image
from kemu.elf import BadObject, ObjectFile
from kemu.paths import GUEST, ROOT


def add_symbol_file_line(path: str, section_addresses: dict[str, int]) -> str:
    """gdb's `add-symbol-file` command placing every allocated section where the linker put it."""
    parts = [f"add-symbol-file {path}"]
    for name, addr in sorted(section_addresses.items(), key=lambda kv: kv[1]):
        parts.append(f"-s {name} {addr:#x}")
    return " ".join(parts)


def source_directories(info) -> list[str]:
    """The directories where kemu found the module's source files (absolute, in the order the
    line table names the files): what gdb needs as `directory` to show the same sources."""
    found: list[str] = []
    source = getattr(info, "source", None)
    if source is None:
        return found
    for file in source.files():
        path = source.find_source(file)
        if path is not None:
            d = str(Path(path).resolve().parent)
            if d not in found:
                found.append(d)
    return found


class DebugLaunch:
    """One `kemu debug` run over a booted system."""

    def __init__(self, system, *, out: TextIO = sys.stdout, err: TextIO | None = None,
                 color: bool = False, context: bool = True, echo_commands: bool = False,
                 source_dirs: Iterable[Path] = ()):
        self.system = system
        self.machine = system.machine
        self.kernel = system.kernel
        self.out = out
        self.err = err or out
        self.source_dirs = [*source_dirs, ROOT, GUEST]
        self.paths: dict[str, str] = {}          # object display name → path on disk
        self.symbols = SymbolIndex(kernel_lookup=self.kernel.symbols.lookup,
                                   kernel_symbolize=self._kernel_symbolize)
        self._shell = None
        self._run_line_takes_streams = False
        self.session = Session(self.machine, self.symbols, out=out, err=self.err, color=color,
                               context=context, kernel=self.kernel, shell_runner=self.run_shell_line,
                               shell_words=guest_command_names(self._get_shell()), module_finder=self.discover,
                               echo_commands=echo_commands)
        self.pending_breaks: list[str] = []
        self.on_module: list = []                 # callbacks(ModuleInfo, slot) when a module is first seen

    # ---- kernel symbols ---------------------------------------------------------------
    def _kernel_symbolize(self, addr: int):
        stub = self.machine.stub_at(addr) if hasattr(self.machine, "stub_at") else None
        if stub is not None:
            return stub.name, addr - stub.addr if hasattr(stub, "addr") else 0
        try:
            return self.machine.lookup_symbol(addr)
        except Exception:
            return None

    # ---- modules ------------------------------------------------------------------------
    def discover(self, pc: int) -> bool:
        """Learn the module holding pc from the personality's module table; True if found."""
        found = self._module_record(pc)
        if found is None:
            return False
        name, image, object_name, slot = found
        path = self.paths.get(object_name) or object_name
        info = module_info_from_image(name, image, self._read_object(path), path,
                                      self.session.dbg.unwind_tables, self.source_dirs,
                                      warn=self.session.error)
        self.symbols.add(info)
        for cb in self.on_module:
            cb(info, slot)
        self._apply_pending_breaks()
        return True

    def _read_object(self, path: str) -> ObjectFile | None:
        """The module's object file again, for its DWARF (None when it cannot be read: the
        module is then debugged by symbols alone, after saying why)."""
        try:
            return ObjectFile.load(path)
        except OSError as exc:
            self.session.error(f"kemu: {path}: {exc.strerror}; debugging without source lines")
        except BadObject as exc:
            self.session.error(f"kemu: {exc}; debugging without source lines")
        return None

    def _module_record(self, pc: int):
        """(name, LinkedImage, object path, personality record) of the module holding pc.

        Every personality answers `module_at(addr)` (docs/interfaces.md §5) with an object
        carrying `.name`, `.image` and `.object_name`; the debugger asks nothing else about
        the OS's module table."""
        rec = self.system.module_at(pc)
        if rec is None or rec.image is None:
            return None
        return rec.name, rec.image, rec.object_name or rec.name, rec

    def _apply_pending_breaks(self) -> None:
        # the module is known now: a location that still does not resolve never will
        for where in self.pending_breaks:
            try:
                self.session.break_at(where)
            except CommandError as exc:
                self.session.error(f"--break {where}: {exc}")
        self.pending_breaks = []

    # ---- the shell -------------------------------------------------------------------------
    def run_shell_line(self, line: str) -> int:
        """Run one command of the guest system's shell, its output going to the session's."""
        shell = self._get_shell()
        if shell is not None:
            if self._run_line_takes_streams:
                return shell.run_line(line, self.out, self.err)
            return shell.run_line(line)
        argv = shlex.split(line)
        return self.system.run_command(argv, self.out, self.err)

    def _get_shell(self):
        """The personality's Shell writing to our streams, or None to run commands one by one."""
        if self._shell is None:
            make_shell = getattr(self.system, "shell", None)
            if make_shell is None:
                return None
            try:
                params = inspect.signature(make_shell).parameters
                accepts = "out" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
                self._shell = make_shell(out=self.out, err=self.err) if accepts else make_shell()
            except (ImportError, TypeError, ValueError):
                return None
            run_line = getattr(self._shell, "run_line", None)
            if run_line is None:
                self._shell = None
                return None
            try:
                self._run_line_takes_streams = len(inspect.signature(run_line).parameters) >= 3
            except (TypeError, ValueError):
                self._run_line_takes_streams = False
        return self._shell

    # ---- the run ---------------------------------------------------------------------------
    def load(self, module: str, **options) -> int:
        """Load `module` through the personality's `load` verb (docs/interfaces.md §5), its
        tool's messages going to the session's streams; the tool's exit status."""
        from kemu.kernel import SyscallError
        system = self.system
        previous = system.console          # the module's console messages appear in the session
        system.console = self.out.write
        try:
            system.load(module, out=self.out, err=self.err, **options)
        except SyscallError as exc:
            return getattr(exc, "status", 1)
        finally:
            system.console = previous
        return 0

    def run(self, module: str, lines: Iterator[str], *, entry: str | None = None,
            postinstall: str | None = None, lenient: bool = False,
            breaks: Iterable[str] = (), stop_at_entry: bool = True) -> int:
        """Load `module` under the debugger, then take top-level commands until quit or EOF."""
        s = self.session
        s.lines = lines
        self.paths[module] = module
        self.pending_breaks.extend(breaks)
        if stop_at_entry:
            s.dbg.stop_at_next_module_instruction()
        status = 0
        previous_handler = self.machine.interrupt_handler
        self.machine.interrupt_handler = s.dbg.on_interrupt   # Ctrl-C / gdb's interrupt: a stop
        # the services panel shows string arguments as they were at each call
        stop_capturing = self.kernel.trace.capture_strings()
        try:
            try:
                status = self.load(module, entry=entry, postinstall=postinstall, lenient=lenient)
            except DebuggerKilled:
                status = 1
            if not s.quitting:
                self._apply_pending_breaks()
                s.command_loop(stopped=False)
        except SessionEnd:
            pass
        finally:
            stop_capturing()
            self.machine.interrupt_handler = previous_handler
            if s.remote is not None:
                s.remote.finish(0)
            s.dbg.close()
        # like gdb: quitting is a normal end; otherwise report whether the load itself worked
        return 0 if s.quitting else status
