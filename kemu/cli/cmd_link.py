"""`kemu link`: link a module (ET_REL object or ET_DYN shared object) at an address and write it
as an ELF executable.

    kemu link fibo.o --arch i386 --base 0xc0800000 --sym printf=0xc0100000 -o fibo.elf
    kemu link fibo.o --base 0xc0800000 --sym printf=0xc0100000 --map

The output keeps every allocated section under its own name at its final address, with a
symbol table, so `objdump -d`, `readelf -s` and gdb read it. Errors print one message (no
traceback) and exit 1; bad arguments exit 2.
"""
from __future__ import annotations

import argparse
import sys


ADDRESS_LIMIT = 1 << 64      # no x86 address reaches it; the linker checks the arch's own width
MAX_PAGE_SIZE = 2 << 20      # x86's large page (kemu.link.layout.MAX_PAGE_SIZE)


def _address(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an address: {text!r} (use 0x... or decimal)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"negative address: {text!r}")
    if value >= ADDRESS_LIMIT:
        raise argparse.ArgumentTypeError(f"address {text!r} does not fit in 64 bits")
    return value


def _page_size(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a page size: {text!r} (use 0x... or decimal)") from None
    if value <= 0 or value & (value - 1) or value > MAX_PAGE_SIZE:
        raise argparse.ArgumentTypeError(f"page size {text!r} is not a power of two between 1 "
                                         f"and {MAX_PAGE_SIZE:#x}")
    return value


def _symbol(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=ADDR, got {text!r}")
    return name, _address(value)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("link", help="link a module (ET_REL or ET_DYN) at an address",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("object", help="ELF relocatable object (.o, .ko, .kmod) or shared object (FreeBSD i386 .ko)")
    p.add_argument("--arch", choices=("i386", "x86_64"),
                   help="expected architecture (default: the object's)")
    p.add_argument("--base", type=_address, required=True, help="load address (page-aligned)")
    p.add_argument("--sym", type=_symbol, action="append", default=[], metavar="NAME=ADDR",
                   help="address of an external symbol (repeatable)")
    p.add_argument("--page-size", type=_page_size, default=4096,
                   help=f"page size, a power of two up to {MAX_PAGE_SIZE:#x} (default 4096)")
    p.add_argument("--map", action="store_true", help="print where every section and symbol went")
    p.add_argument("-o", "--output", help="write the linked module as an ELF executable here")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kemu.elf import BadObject, ObjectFile
    from kemu.link import LinkError, link, write_executable
    from kemu.link.linker import check_arch
    from kemu.link.mapfile import format_map
    from kemu.printable import printable

    if not args.output and not args.map:
        print("kemu link: nothing to do: give -o OUT and/or --map", file=sys.stderr)
        return 2
    externals = dict(args.sym)
    try:
        obj = ObjectFile.load(args.object)
        if args.arch:
            check_arch(obj, args.arch)
        image = link(obj, args.base, externals.get, page_size=args.page_size)
        if args.output:
            write_executable(image, obj, args.output)
    except (BadObject, LinkError) as exc:
        print(f"kemu link: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"kemu link: error: {printable(str(exc.filename or args.object))}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    if args.map:
        sys.stdout.write(format_map(image))
    return 0
