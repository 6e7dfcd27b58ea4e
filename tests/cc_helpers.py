"""`kemu cc` run in-process for the toolchain tests of every target (tests/toolchain,
tests/netbsd, tests/freebsd): through the command's own argument parser, so option handling is
what a user gets, without a Python start-up per build. (tests/ is on sys.path: pytest puts the
first directory without an __init__.py there.)"""
from __future__ import annotations

import argparse
import io
from contextlib import redirect_stderr


def run_kemu_cc(argv: list[str]) -> tuple[int, str]:
    """`kemu cc ARGV`: (exit status, what it wrote on stderr); a usage error is status 2."""
    from kemu.cli import cmd_cc

    parser = argparse.ArgumentParser(prog="kemu")
    cmd_cc.register(parser.add_subparsers(dest="command"))
    err = io.StringIO()
    with redirect_stderr(err):
        try:
            args = parser.parse_args(["cc", *argv])
        except SystemExit as exc:
            return int(exc.code), err.getvalue()
        status = args.func(args)
    return status, err.getvalue()
