"""`kemu demo`: a module system end to end on built-in fixtures: the NetBSD LKM tutorial's
fibo.o; the module(9) fibo and a required-module chain on NetBSD 10 (`--os netbsd`); the
fibo kld on FreeBSD 14.3 (`--os freebsd`); the chapter's hello module and the fibo char
driver on Linux 6.1 (`--os linux`).

    kemu demo [--os netbsd-lkm|netbsd|freebsd|linux] [--arch i386|x86_64|amd64] [--compiler gcc|clang]

Prints the console transcript (commands after a `# ` prompt, then what the emulated NetBSD 1.6
answered). Exit status 0 when every step behaved as the tutorial says, 1 otherwise.
"""
from __future__ import annotations

import argparse
import sys

from .options import add_arch_option, add_system_option

#: systems with a demo
DEMOS = ("netbsd-lkm", "netbsd", "freebsd", "linux")
#: system -> its package under kemu.os
DEMO_MODULES = {"netbsd-lkm": "netbsd_lkm", "netbsd": "netbsd", "freebsd": "freebsd", "linux": "linux"}


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
    import importlib
    demo = importlib.import_module(f"kemu.os.{DEMO_MODULES[args.system]}.demo")
    options = {} if args.system == "linux" else {"compiler": args.compiler}   # kbuild picks gcc
    DemoFailed, run_demo = demo.DemoFailed, demo.run_demo
    try:
        return run_demo(sys.stdout, args.arch, **options)
    except DemoFailed as exc:
        sys.stdout.flush()
        print(f"kemu demo: {exc}", file=sys.stderr)
        return 1
