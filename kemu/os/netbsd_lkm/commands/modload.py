"""modload(8) of NetBSD 1.6 as a command: options in, messages and exit status out.

The steps and their messages live in the personality's API (kemu/os/netbsd_lkm/loading.py:
`NetBSDLKM.modload`); this command parses modload's options with BSD getopt, calls that API, and
prints what the real program prints with the same exit statuses:

    usage / bad option ............................................. 1
    modload: module object must end in .o .......................... 2
    modload: nlist x.o: <strerror> ................................. 1
    modload: entry point _xxx not found in x.o ..................... 1
    x.o: undefined reference to `sym'   (one line per symbol, as ld prints)
    modload: can't prelink `x.o' creating `x' ...................... 1
    modload: can't reserve memory: <strerror> ...................... 9
    modload: error initializing module: <strerror> ................. 14
    Module loaded as ID <n>                                 (stdout)
    modload: can't exec `script': <strerror> ....................... 16

kemu adds one option, `--lenient` (see loading.py).
"""
from __future__ import annotations

from typing import TextIO

from kemu.record import Record

from ..getopt import getopt
from ..loading import LoadResult, ModloadOptions, ModuleLoadError

LENIENT_OPTION = "--lenient"
USAGE = ("usage: modload [-dnsvS] [-A system] [-e entry]\n"
         "\t[-p postinstall] [-o outputfile] <input file>\n")


class Outcome(Record, fields=("status", "result", "errno")):
    """The exit status of one modload run, and the errno behind a failure if there was one."""

    def __init__(self, status: int, result: LoadResult | None = None, errno: int | None = None) -> None:
        self.status = status
        self.result = result
        self.errno = errno


#: getopt letter -> (ModloadOptions field, value it sets; None: the option's argument)
OPTION_FIELDS: dict[str, tuple[str, bool | None]] = {
    "d": ("debug", True), "v": ("verbose", True), "n": ("noready", True), "s": ("symbols", False),
    "S": ("keep_output", True), "A": ("kernel", None), "e": ("entry", None),
    "p": ("postinstall", None), "o": ("outfile", None),
}


def parse(argv: list[str], err: TextIO) -> tuple[ModloadOptions, str] | None:
    """(options, module path) as modload's getopt("dnvsA:Se:p:o:") sees them; None after
    printing usage."""
    opts = ModloadOptions()
    args = list(argv)
    # --lenient is kemu's: take it out before BSD getopt, which would reject it as "-" "-".
    while LENIENT_OPTION in args:
        args.remove(LENIENT_OPTION)
        opts.lenient = True
    parsed = getopt("modload", args, "dnvsA:Se:p:o:")
    if parsed.error or len(parsed.operands) != 1:
        if parsed.error:
            err.write(parsed.error + "\n")
        err.write(USAGE)
        return None
    for letter, value in parsed.options:
        name, fixed = OPTION_FIELDS[letter]
        setattr(opts, name, value if fixed is None else fixed)
    return opts, parsed.operands[0]


def run(system, argv: list[str], out: TextIO, err: TextIO, cwd: str | None = None) -> int:
    return execute(system, argv, out, err, cwd).status


def execute(system, argv: list[str], out: TextIO, err: TextIO, cwd: str | None = None) -> Outcome:
    """One modload run: the API's notes go to stderr as they happen, then the outcome."""
    parsed = parse(argv, err)
    if parsed is None:
        return Outcome(1)
    opts, module = parsed

    def note(line: str) -> None:
        err.write(line + "\n")

    try:
        result = system.modload(module, cwd=cwd, notes=note, out=out, err=err,
                                loaded=lambda r: out.write(f"Module loaded as ID {r.id}\n"), **vars(opts))
    except ModuleLoadError as exc:
        err.write(exc.output)
        return Outcome(exc.status, getattr(exc, "result", None), exc.errno)
    if result is None:           # -n: linked and loaded, not initialised
        return Outcome(0)
    return Outcome(0, result)
