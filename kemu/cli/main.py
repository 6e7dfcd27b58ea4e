"""The `kemu` command: one subcommand per module `kemu/cli/cmd_<name>.py`.

Each command module exposes `register(subparsers)` which adds its parser and sets
`func(args) -> int` as the default. Keeping one file per command lets each grow on its own;
`options.harmonize` then makes the shared options (`--os`/`--target`, `--arch`) read the same
in all of them. Whatever goes wrong ends with a message and a non-zero status, never a Python
traceback (set KEMU_TRACEBACK=1 to see one for a bug).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from kemu import __version__

from .options import harmonize

# numpy loads OpenBLAS, which starts a worker thread per core that spins for about 0.1 s of CPU
# waiting for matrix work, competing with the run itself on a busy machine. kemu never
# multiplies matrices, so its command asks for none (unless the user chose a number).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

COMMANDS = ("demo", "shell", "link", "cc", "debug", "trace", "corpus")
INTERNAL_ERROR = 70          # EX_SOFTWARE


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only` (a name from COMMANDS), just that subcommand: each
    command module imports what its options need (`cc` its toolchain tables), and a run of one
    command should not pay for the others' (see `command_named`)."""
    parser = argparse.ArgumentParser(prog="kemu", description="Run real kernel modules outside a kernel.")
    parser.add_argument("--version", action="version", version=f"kemu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f"kemu.cli.cmd_{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"kemu.cli.cmd_{name}":
                continue
            raise
        module.register(sub)
    for subparser in sub.choices.values():
        harmonize(subparser)
    return parser


def command_named(argv: list[str]) -> str | None:
    """The subcommand `argv` runs when its first word is one (`kemu shell -c …`), else None
    (`kemu`, `kemu --help`, `kemu --version`, a misspelt command: those need every command)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(command_named(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except Exception as exc:          # a bug: say so in one line, not with a traceback
        if os.environ.get("KEMU_TRACEBACK"):
            raise
        where = f"kemu {args.command}" if getattr(args, "command", None) else "kemu"
        print(f"{where}: internal error: {type(exc).__name__}: {exc} "
              f"(KEMU_TRACEBACK=1 shows where)", file=sys.stderr)
        return INTERNAL_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
