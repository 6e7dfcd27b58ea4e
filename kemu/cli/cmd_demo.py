"""`kemu demo`: the NetBSD LKM tutorial end to end on the built-in fibo.o fixture, or with
`--os linux` the chapter's hello module and the fibo char driver on Linux 6.1.

    kemu demo [--os netbsd-lkm|linux] [--arch i386|x86_64|amd64] [--compiler gcc|clang]

Prints the console transcript (commands after a `# ` prompt, then what the emulated NetBSD 1.6
answered). Exit status 0 when every step behaved as the tutorial says, 1 otherwise.
"""
from __future__ import annotations

import argparse
import sys

from .options import add_arch_option, add_system_option

#: systems with a demo
DEMOS = ("netbsd-lkm", "linux")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="run the NetBSD LKM tutorial (fibo driver) from start to end",
        description="Load the tutorial's fibo.o into an emulated NetBSD 1.6 kernel, create its "
                    "devices, read Fibonacci numbers from /dev/fibo0 and unload it, printing what "
                    "a user at the console would see.")
    add_system_option(parser, help_text="system whose tutorial to run (" + ", ".join(DEMOS) + ")")
    add_arch_option(parser, default="i386")
    parser.add_argument("--compiler", choices=("gcc", "clang"), default="gcc",
                        help="which prebuilt fibo.o to load (default gcc)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.system not in DEMOS:
        print(f"kemu demo: no demo for system {args.system!r}; kemu has: {', '.join(DEMOS)}", file=sys.stderr)
        return 2
    if args.system == "linux":
        from kemu.os.linux.demo import DemoFailed, run_demo as run_linux_demo
        try:
            return run_linux_demo(sys.stdout, args.arch)
        except DemoFailed as exc:
            sys.stdout.flush()
            print(f"kemu demo: {exc}", file=sys.stderr)
            return 1
    from kemu.os.netbsd_lkm.demo import DemoFailed, run_demo
    try:
        return run_demo(sys.stdout, args.arch, args.compiler)
    except DemoFailed as exc:
        sys.stdout.flush()
        print(f"kemu demo: {exc}", file=sys.stderr)
        return 1
