"""The `kemu` command: one subcommand per module `kemu/cli/cmd_<name>.py`.

Each command module exposes `register(subparsers)` which adds its parser and sets
`func(args) -> int` as the default. Keeping one file per command lets each grow on its own.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("demo", "shell", "link", "cc", "debug", "trace")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kemu", description="Run real kernel modules outside a kernel.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"kemu.cli.cmd_{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"kemu.cli.cmd_{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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


if __name__ == "__main__":
    raise SystemExit(main())
