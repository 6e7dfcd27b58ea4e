"""`kemu shell`: a console on an emulated system, interactive or from a script.

    kemu shell [--os netbsd-lkm] [--arch i386|x86_64] [--timeout SECONDS] [-v]
               [-c COMMANDS | SCRIPT]

With a SCRIPT file or `-c`, the lines run in order and the shell stops at the first command
that fails, exiting with its status (like `sh -e`). Without either, it reads standard input:
interactively with the `# ` prompt when that is a terminal, as a script otherwise. `-v` echoes
each command after the prompt, which makes a script's output read like a console session.
Type `help` in the shell for its commands.
"""
from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "shell", help="a console (modload, modstat, od, ls -l …) on an emulated kernel",
        description="Boot an emulated kernel and run its user commands interactively, from -c, "
                    "from a script file or from standard input.")
    parser.add_argument("--os", dest="system", default="netbsd-lkm", help="system to boot (netbsd-lkm)")
    parser.add_argument("--arch", choices=("i386", "x86_64"), default="i386")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="limit on each call into module code (default 5)")
    parser.add_argument("-v", dest="echo", action="store_true", help="echo each command after the prompt")
    parser.add_argument("-c", dest="commands", metavar="COMMANDS", help="run these commands and exit")
    parser.add_argument("script", nargs="?", help="file of commands to run")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kemu.os import boot
    options = {} if args.timeout is None else {"call_timeout": args.timeout}
    try:
        system = boot(args.system, args.arch, **options)
    except ValueError as exc:
        print(f"kemu shell: {exc}", file=sys.stderr)
        return 2
    # Line-buffered, so a command's output and its error messages keep their order on a terminal.
    sys.stdout.reconfigure(line_buffering=True)
    shell = system.shell(out=sys.stdout, err=sys.stderr, echo=args.echo)
    try:
        if args.commands is not None:
            return shell.run_script(args.commands, source="kemu shell: -c")
        if args.script is not None:
            try:
                with open(args.script) as f:
                    text = f.read()
            except OSError as exc:
                print(f"kemu shell: {args.script}: {exc.strerror}", file=sys.stderr)
                return 2
            return shell.run_script(text, source=args.script)
        if sys.stdin.isatty():
            return shell.interact(sys.stdin)
        return shell.run_script(sys.stdin.read(), source="kemu shell: stdin")
    finally:
        shell.close_all()
