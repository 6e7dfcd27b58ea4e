"""`kemu cc`: compile a guest kernel module from C with the target kernel's flags.

    kemu cc --os netbsd-lkm --arch i386 [--compiler gcc|clang] [-g] [-O2]
            [-D NAME[=VALUE]] [-I DIR] [-v] -c fibo.c -o fibo.o
    kemu cc --target linux --arch x86_64 [-D ...] [-I ...] [-v] -o fibo.ko fibo.c [more.c ...]

Targets with their own kernel build system (Linux: kbuild) take several sources and choose
compiler, optimisation and debug flags themselves.

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
        "guest, using the guest SDK headers and the kernel's compiler flags. For --os linux, "
        "build NAME.ko from one or more files with the kernel's own build system (kbuild) "
        "against Debian's 6.1 headers.",
    )
    add_system_option(parser, default=None,
                      help_text="guest system to build for: " + ", ".join(cc.target_names()) + " (required)")
    add_arch_option(parser, default=None, validate=False)   # kemu.toolchain names a bad one
    parser.add_argument("--compiler", default=None, help="gcc (default) or clang")
    parser.add_argument("-g", dest="debug", action="store_true", help="emit DWARF debug information")
    parser.add_argument(
        "-O", dest="optimize", nargs="?", const="1", default="2", metavar="LEVEL",
        help="optimisation level (default 2; bare -O means 1)",
    )
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]")
    parser.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR")
    parser.add_argument("-c", dest="compile_only", action="store_true",
                        help="compile only (kemu cc never links; accepted for familiarity)")
    parser.add_argument("-o", dest="output", metavar="FILE.o", help="output object (default: FILE.o here; FILE.ko for linux)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the compiler command before running it")
    linux = parser.add_argument_group("linux target (kbuild)")
    linux.add_argument("--extra-symbols", action="append", default=[], metavar="Module.symvers",
                       help="exports of other out-of-tree modules this one uses (KBUILD_EXTRA_SYMBOLS)")
    linux.add_argument("--allow-undefined", action="store_true",
                       help="let modpost only warn about unknown symbols (KBUILD_MODPOST_WARN=1)")
    linux.add_argument("--write-symvers", metavar="FILE",
                       help="save the build's Module.symvers (this module's exports) to FILE")
    parser.add_argument("sources", metavar="FILE.c", nargs="+",
                        help="the source (several only for targets with their own build system)")
    parser.set_defaults(func=run)


#: what a module file is called on each system when no -o is given
MODULE_SUFFIX = {"netbsd-lkm": ".o", "netbsd": ".kmod", "freebsd": ".ko", "linux": ".ko"}


def run(args: argparse.Namespace) -> int:
    """Carry out one `kemu cc` invocation; returns the exit status."""
    systems = ", ".join(cc.target_names())
    for what, value, how in (("system", args.system, f"--os SYSTEM (or --target SYSTEM): {systems}"),
                             ("arch", args.arch, "--arch ARCH: " + ", ".join(cc.ARCHES))):
        if value is None:
            print(f"kemu cc: error: name the guest {what} to build for with {how}", file=sys.stderr)
            return 2
    args.target = args.system
    if args.target in cc.BUILD_SYSTEM_TARGETS:
        return _run_build_system(args)
    linux_only = [flag for flag, given in (("--extra-symbols", args.extra_symbols),
                                           ("--allow-undefined", args.allow_undefined),
                                           ("--write-symvers", args.write_symvers)) if given]
    if linux_only:
        print(f"kemu cc: error: {', '.join(linux_only)}: only for --target linux", file=sys.stderr)
        return 2
    if len(args.sources) != 1:
        print(f"kemu cc: error: target {args.target} compiles one source at a time; got {len(args.sources)}",
              file=sys.stderr)
        return 2
    args.compiler = args.compiler or "gcc"
    source = Path(args.sources[0])
    output = Path(args.output) if args.output else Path(source.stem + MODULE_SUFFIX.get(args.target, ".o"))
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
    return _report(lambda: cc.compile_object(request, args.compiler,
                                             verbose=sys.stderr if args.verbose else None),
                   args.compiler, output)


def _report(build, what: str, output: Path) -> int:
    """Run a build; show the compiler's own diagnostics and say plainly when it failed."""
    try:
        result = build()
    except cc.ToolchainError as exc:
        print(f"kemu cc: error: {exc}", file=sys.stderr)
        return 2
    if result.stderr:
        sys.stderr.write(result.stderr)
    if not result.ok:
        print(f"kemu cc: {what} failed with exit status {result.returncode}; {output} not written",
              file=sys.stderr)
        return 1
    return 0


def _run_build_system(args: argparse.Namespace) -> int:
    """`kemu cc` for a target built by its own kernel build system (kbuild for Linux)."""
    refused = [flag for flag, given in (("--compiler", args.compiler not in (None, "gcc")),
                                        ("-g", args.debug), ("-O", args.optimize != "2")) if given]
    if refused:
        print(f"kemu cc: error: target {args.target}: {', '.join(refused)} not accepted; the kernel's "
              "build system chooses the compiler and its flags", file=sys.stderr)
        return 2
    sources = tuple(Path(s) for s in args.sources)
    output = Path(args.output) if args.output else Path(sources[0].stem + ".ko")
    return _report(lambda: cc.build_with_target_system(
        args.target, args.arch, sources, output, tuple(args.defines), tuple(args.include_dirs),
        verbose=sys.stderr if args.verbose else None,
        extra_symbols=tuple(Path(p) for p in args.extra_symbols),
        allow_undefined=args.allow_undefined,
        write_symvers=Path(args.write_symvers) if args.write_symvers else None,
    ), f"the {args.target} build", output)
