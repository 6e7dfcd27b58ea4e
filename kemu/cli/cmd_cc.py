"""`kemu cc`: compile a guest kernel module from C with the target kernel's flags.

    kemu cc --os netbsd-lkm --arch i386 [--compiler gcc|clang] [-g] [-O2]
            [-D NAME[=VALUE]] [-I DIR] [-v] -c fibo.c -o fibo.o

`--target` is accepted for `--os` (as compilers spell it), `amd64` for `x86_64`.

A thin shell over kemu.toolchain.cc, which owns the flags. Exit status: 0 on success,
1 when the compiler rejected the source (its diagnostics are shown unchanged), 2 when the
request itself is wrong (unknown target or arch, missing source or compiler).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kemu.toolchain import cc

from .options import add_arch_option, add_system_option


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `cc` subcommand to kemu's parser."""
    parser = subparsers.add_parser(
        "cc",
        help="compile a guest kernel module (.c -> .o) with the target kernel's flags",
        description="Compile one C file into a relocatable kernel-module object for a kemu "
        "guest, using the guest SDK headers and the kernel's compiler flags.",
    )
    add_system_option(parser, default=None,
                      help_text="guest system to build for: " + ", ".join(sorted(cc.TARGETS)) + " (required)")
    add_arch_option(parser, default=None, validate=False)   # kemu.toolchain names a bad one
    parser.add_argument("--compiler", default="gcc", help="gcc (default) or clang")
    parser.add_argument("-g", dest="debug", action="store_true", help="emit DWARF debug information")
    parser.add_argument(
        "-O", dest="optimize", nargs="?", const="1", default="2", metavar="LEVEL",
        help="optimisation level (default 2; bare -O means 1)",
    )
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]")
    parser.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR")
    parser.add_argument("-c", dest="compile_only", action="store_true",
                        help="compile only (kemu cc never links; accepted for familiarity)")
    parser.add_argument("-o", dest="output", metavar="FILE.o", help="output object (default: FILE.o here)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the compiler command before running it")
    parser.add_argument("source", metavar="FILE.c")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Carry out one `kemu cc` invocation; returns the exit status."""
    systems = ", ".join(sorted(cc.TARGETS))
    for what, value, how in (("system", args.system, f"--os SYSTEM (or --target SYSTEM): {systems}"),
                             ("arch", args.arch, "--arch ARCH: " + ", ".join(cc.ARCHES))):
        if value is None:
            print(f"kemu cc: error: name the guest {what} to build for with {how}", file=sys.stderr)
            return 2
    source = Path(args.source)
    output = Path(args.output) if args.output else Path(source.stem + ".o")
    request = cc.CompileRequest(
        target=args.system,
        arch=args.arch,
        source=source,
        output=output,
        debug=args.debug,
        optimize=args.optimize,
        defines=tuple(args.defines),
        include_dirs=tuple(args.include_dirs),
    )
    try:
        result = cc.compile_object(request, args.compiler, verbose=sys.stderr if args.verbose else None)
    except cc.ToolchainError as exc:
        print(f"kemu cc: error: {exc}", file=sys.stderr)
        return 2
    if result.stderr:
        sys.stderr.write(result.stderr)
    if not result.ok:
        print(f"kemu cc: {args.compiler} failed with exit status {result.returncode}; {output} not written",
              file=sys.stderr)
        return 1
    return 0
