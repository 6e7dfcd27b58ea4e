"""`kemu debug`: load a module under a gdb-like debugger, or serve it to real gdb.

    kemu debug [--os|--target netbsd-lkm] [--arch i386|x86_64] MODULE [-e ENTRY] [-p POSTINSTALL]
               [--lenient] [--break WHERE ...] [--batch FILE] [--ex COMMAND ...]
               [--gdb [HOST:]PORT] [--symbols-out FILE] [--no-context] [--color WHEN]

The module is linked and loaded by the personality's own `modload`; the debugger stops before
the entry point's first instruction. At every stop (and at the top level, after the load) it
takes gdb's commands, and the guest shell's commands (`od -t u4 -N 8 /dev/fibo0`) to run the
module. `--batch FILE` (or `--ex`) reads commands from there instead of the terminal; the
session ends when they run out, as `gdb -batch` does, and exits with the status of the first
guest shell command that failed (0 when none did). Each call into module code keeps its time
limit (`--timeout`, default 5 s), counted only while the module runs: a runaway loop is stopped
with an oops, however long the session sits at a stop.

With `--gdb`, stops are served to a real gdb over the remote protocol instead (loopback unless a
host is given); kemu prints the `add-symbol-file` line that places the module's sections and
the `directory` lines naming where it found the module's sources (paste both into gdb), and
`--symbols-out` also writes the linked module as an ELF executable gdb can load directly.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys

from .options import add_system_option


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "debug", help="step through a module's code with gdb's commands, or attach real gdb",
        description="Load a kernel module under a debugger that stops before its entry point.")
    add_common_arguments(p)
    p.add_argument("--break", dest="breaks", action="append", default=[], metavar="WHERE",
                   help="set a breakpoint (SYMBOL, SYMBOL+OFF, *ADDR, FILE:LINE); repeatable")
    p.add_argument("--batch", metavar="FILE", help="read debugger commands from FILE ('-' for stdin), then quit")
    p.add_argument("--ex", dest="ex", action="append", default=[], metavar="COMMAND",
                   help="run COMMAND (repeatable; like gdb -ex); implies batch mode")
    p.add_argument("--gdb", metavar="[HOST:]PORT",
                   help="serve the GDB remote protocol on HOST:PORT (default host 127.0.0.1)")
    p.add_argument("--symbols-out", metavar="FILE", help="write the linked module as an ELF executable for gdb")
    p.add_argument("--no-context", dest="context", action="store_false", help="no context panel at stops")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--directory", "-d", dest="directories", action="append", default=[], metavar="DIR",
                   help="also look for source files in DIR")
    p.set_defaults(func=run)


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    add_system_option(p)
    p.add_argument("--arch", choices=("i386", "x86_64"), help="default: the module's own")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="limit on each call into module code, not counting time stopped at a "
                        "prompt (default 5; 0: none)")
    p.add_argument("module", help="the module object (e.g. fibo.o)")
    p.add_argument("-e", dest="entry", metavar="ENTRY", help="modload -e: the entry point")
    p.add_argument("-p", dest="postinstall", metavar="POSTINSTALL", help="modload -p: post-install script")
    p.add_argument("--lenient", action="store_true", help="load even with missing kernel symbols")


def module_path_problem(path: str) -> str | None:
    """Why `path` cannot be a module object (the words after `PATH: `), or None when it can be.

    Checked before anything is booted or read: a directory, a pipe or a device would otherwise
    be opened and read (a pipe without end), and a missing file is not the only way to fail."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return exc.strerror or "cannot be read"
    if stat.S_ISDIR(st.st_mode):
        return "is a directory"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        return exc.strerror or "cannot be read"
    if magic != b"\x7fELF":
        return "not an ELF object" + (" (empty file)" if not magic else "")
    return None


def boot_for(args: argparse.Namespace, prog: str):
    """Boot the system for the module's arch; (system, None) or (None, exit status) after an error."""
    from kemu.os import boot
    problem = module_path_problem(args.module)
    if problem is not None:
        print(f"{prog}: {args.module}: {problem}", file=sys.stderr)
        return None, 1
    arch = args.arch
    if arch is None:
        try:
            from kemu.elf import ObjectFile
            arch = ObjectFile.load(args.module).arch
        except OSError as exc:
            print(f"{prog}: {args.module}: {exc.strerror}", file=sys.stderr)
            return None, 1
        except Exception as exc:
            print(f"{prog}: {exc}", file=sys.stderr)
            return None, 1
    options = {} if args.timeout is None else {"call_timeout": args.timeout}
    try:
        return boot(args.system, arch, **options), None
    except (ValueError, TypeError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return None, 2


def _lines_from(args: argparse.Namespace):
    if args.ex:
        return iter(args.ex), False
    if args.batch:
        try:
            text = sys.stdin.read() if args.batch == "-" else open(args.batch).read()
        except OSError as exc:
            print(f"kemu debug: {args.batch}: {exc.strerror}", file=sys.stderr)
            return None, False
        return iter(text.splitlines()), False
    if sys.stdin.isatty():
        return InteractiveLines(), True
    return (line.rstrip("\n") for line in sys.stdin), False


class InteractiveLines:
    """Lines typed at the `(kemu) ` prompt (readline editing and history). Ctrl-C at the prompt
    drops the line ("Quit", as gdb says); while the module runs, `router` turns it into a stop
    at the current instruction ("Program received signal SIGINT")."""

    def __init__(self) -> None:
        self.router = None    # a kemu.machine.sigint.SigintRouter once the system is booted

    def __iter__(self):
        try:
            import readline  # noqa: F401  (line editing and history for input())
        except ImportError:
            pass
        while True:
            try:
                with self.router.at_prompt() if self.router is not None else contextlib.nullcontext():
                    line = input("(kemu) ")
            except EOFError:
                print("quit")
                return
            except KeyboardInterrupt:
                print("Quit")
                continue
            yield line
            if self.router is not None:
                self.router.finish_command()


def write_symbols(image, module: str, path: str) -> bool:
    """--symbols-out: the linked module as an ELF executable for gdb; says why on stderr and
    returns False when it cannot be written (an unwritable path, debug sections whose
    relocations do not apply), and the session goes on without it."""
    from kemu.elf import BadObject, ObjectFile, read_object_file
    from kemu.link import LinkError, write_executable
    from kemu.printable import printable
    try:
        obj = ObjectFile.parse(read_object_file(module), module)
        write_executable(image, obj, path)
    except (OSError, BadObject, LinkError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"kemu debug: --symbols-out {printable(path)}: not written: {reason}", file=sys.stderr)
        return False
    return True


def run(args: argparse.Namespace) -> int:
    from kemu.debug.gdbstub import GdbServer, parse_listen_address
    from kemu.debug.launch import DebugLaunch, add_symbol_file_line, source_directories

    problem = module_path_problem(args.module)
    if problem is not None:
        print(f"kemu debug: {args.module}: {problem}", file=sys.stderr)
        return 1
    listen = None
    if args.gdb:
        try:
            listen = parse_listen_address(args.gdb)
        except ValueError as exc:
            print(f"kemu debug: {exc}", file=sys.stderr)
            return 2
    lines, interactive = _lines_from(args)
    if lines is None:
        return 1
    system, status = boot_for(args, "kemu debug")
    if system is None:
        return status
    color = args.color == "always" or (args.color == "auto" and interactive and sys.stdout.isatty())
    launch = DebugLaunch(system, out=sys.stdout, err=sys.stderr, color=color,
                         context=args.context and listen is None, echo_commands=not interactive,
                         source_dirs=args.directories)
    if listen is not None:
        try:
            server = GdbServer(launch.session.stub_target(), listen[0], listen[1])
        except OSError as exc:
            print(f"kemu debug: cannot listen on {listen[0]}:{listen[1]}: {exc.strerror}", file=sys.stderr)
            return 1
        launch.session.remote = server

        def announce(info, slot) -> None:
            if args.symbols_out and write_symbols(slot.image, args.module, args.symbols_out):
                print(f"kemu: wrote the linked module to {args.symbols_out} (gdb {args.symbols_out})")
            print(f"kemu: in gdb: {add_symbol_file_line(os.path.abspath(args.module), info.section_addresses)}")
            for directory in source_directories(info):
                print(f"kemu: in gdb: directory {directory}")
            print(f"kemu: waiting for gdb on {server.host}:{server.port} "
                  f"(target remote {server.host}:{server.port})", flush=True)

        launch.on_module.append(announce)
    elif args.symbols_out:
        def write_out(info, slot) -> None:
            write_symbols(slot.image, args.module, args.symbols_out)
        launch.on_module.append(write_out)
    router = contextlib.nullcontext()
    if isinstance(lines, InteractiveLines):
        from kemu.machine.sigint import SigintRouter
        router = lines.router = SigintRouter(system.machine)
        lines = iter(lines)
    try:
        with router:
            status = launch.run(args.module, lines, entry=args.entry, postinstall=args.postinstall,
                                lenient=args.lenient, breaks=args.breaks)
    finally:
        sys.stdout.flush()
    failures = launch.session.guest_failures
    if not interactive and failures and not status:
        # like a script: a guest command that failed fails the batch run
        line, status = failures[0]
        print(f"kemu debug: '{line}' failed with exit status {status}", file=sys.stderr)
    return status
