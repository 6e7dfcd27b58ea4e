"""`kemu shell`: a console on an emulated system, interactive or from a script.

    kemu shell [--os netbsd-lkm|netbsd|freebsd] [--arch i386|x86_64|amd64] [--timeout SECONDS] [-v]
               [--modules DIR] [--module-path DIR ...] [--coverage FILE.info] [--report FILE.json]
               [-c COMMANDS | SCRIPT]

With a SCRIPT file or `-c`, the lines run in order and the shell stops at the first command
that fails, exiting with its status and naming the file and line on stderr (like `sh -e`).
Lines are read as they run, each at most `MAX_LINE` characters (a script that is really
/dev/zero is refused, not read without end). Without either, it reads standard input:
interactively with the `# ` prompt when that is a terminal, as a script otherwise. `-v` echoes
each command after the prompt, which makes a script's output read like a console session.
Type `help` in the shell for its commands. `--module-path DIR` (repeatable; FreeBSD only) is
kern.module_path: the host directories kldload and dependency loading search (default: the
current directory). `--coverage FILE.info` records which lines and branches of every module
loaded ran and writes an lcov tracefile at the end (with a per-file summary on stderr);
`--report FILE.json` writes the run report (docs/run-report.md).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Iterable, Iterator

from .options import add_arch_option, add_system_option, seconds
from .run_files import add_output_options, finish_outputs, start_outputs

MAX_LINE = 64 * 1024


class ScriptLineTooLong(Exception):
    """A script line past MAX_LINE characters (probably not a script at all)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "shell", help="a console (modload, modstat, od, ls -l …) on an emulated kernel",
        description="Boot an emulated kernel and run its user commands interactively, from -c, "
                    "from a script file or from standard input.")
    add_system_option(parser)
    add_arch_option(parser, default="i386")
    parser.add_argument("--timeout", type=seconds, default=None, metavar="SECONDS",
                        help="limit on each call into module code (default 5; 0: none)")
    parser.add_argument("--modules", metavar="DIR", default=None,
                        help="netbsd: the host directory standing for /stand/<machine>/10.0/modules, "
                             "laid out NAME/NAME.kmod (default: the current directory)")
    parser.add_argument("--module-path", dest="module_path", action="append", metavar="DIR",
                        help="FreeBSD: a directory of kern.module_path (repeatable; default: .)")
    add_output_options(parser)
    parser.add_argument("-v", dest="echo", action="store_true", help="echo each command after the prompt")
    parser.add_argument("-c", dest="commands", metavar="COMMANDS", help="run these commands and exit")
    parser.add_argument("script", nargs="?", help="file of commands to run")
    parser.set_defaults(func=run)


def bounded_lines(stream: Iterable[str], name: str) -> Iterator[str]:
    """The lines of a script as they are read; ScriptLineTooLong past MAX_LINE characters."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE and not line.endswith("\n"):
            raise ScriptLineTooLong(f"{name}: line {number} is longer than {MAX_LINE} characters: "
                                    f"not a script")
        yield line


def run(args: argparse.Namespace) -> int:
    from kemu.os import boot
    options = {} if args.timeout is None else {"call_timeout": args.timeout}
    if args.modules is not None:
        if args.system != "netbsd":
            print(f"kemu shell: --modules is for --os netbsd, not {args.system}", file=sys.stderr)
            return 2
        if not os.path.isdir(args.modules):
            print(f"kemu shell: --modules {args.modules}: not a directory", file=sys.stderr)
            return 2
        options["modules"] = args.modules
    if args.module_path:
        if args.system != "freebsd":
            print(f"kemu shell: --module-path is FreeBSD's kern.module_path; {args.system} has none",
                  file=sys.stderr)
            return 2
        options["module_path"] = args.module_path
    try:
        system = boot(args.system, args.arch, **options)
    except ValueError as exc:
        print(f"kemu shell: {exc}", file=sys.stderr)
        return 2
    outputs = start_outputs(args, "kemu shell", system)
    if outputs is None:
        return 2
    # Line-buffered, so a command's output and its error messages keep their order on a terminal.
    sys.stdout.reconfigure(line_buffering=True)
    shell = system.shell(out=sys.stdout, err=sys.stderr, echo=args.echo)
    written = False
    try:
        status = _run_shell(args, shell)
    finally:
        shell.close_all()
        written = finish_outputs(outputs, "kemu shell", system)   # even after Ctrl-C
    return status if written or status else 1


def _run_shell(args: argparse.Namespace, shell) -> int:
    try:
        if args.commands is not None:
            return shell.run_script(args.commands, source="kemu shell: -c")
        if args.script is not None:
            try:
                script = open(args.script, encoding="utf-8", errors="replace")
            except OSError as exc:
                print(f"kemu shell: {args.script}: {exc.strerror}", file=sys.stderr)
                return 2
            with script:
                return shell.run_script(bounded_lines(script, args.script), source=args.script)
        if sys.stdin.isatty():
            return shell.interact(sys.stdin)
        sys.stdin.reconfigure(errors="replace")
        return shell.run_script(bounded_lines(sys.stdin, "standard input"), source="kemu shell: stdin")
    except ScriptLineTooLong as exc:
        print(f"kemu shell: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"kemu shell: {args.script or 'standard input'}: {exc.strerror or exc}", file=sys.stderr)
        return 2
