"""`kemu trace`: load a module and run commands, printing every kernel service call (like strace).

    kemu trace [--os|--target netbsd-lkm] [--arch i386|x86_64] MODULE [-e ENTRY] [-p POSTINSTALL]
               [--run COMMAND ...] [-c] [--json] [-s STRSIZE] [--instructions RANGE ...] [-o FILE]
               [--coverage FILE.info] [--report FILE.json]

Each service call the module makes is one line, `uiomove(buf=0xc1002010, n=4, uio=0xc0ff7e80) = 0`,
with string arguments shown as strace shows them (`printf(fmt="fibo: FIBONACCI driver loaded su"...,
...)`, at most `-s` bytes, 32 by default), written to standard error (or `-o FILE`) so the commands' own output stays on standard output.
The module's own functions the kernel calls show as `-> fibo_read(dev=7424, uio=0xc1000000,
flag=0)` and `<- fibo_read = 0` (argument names from DWARF when the object has them); a run of
identical consecutive lines prints once, then how many more times it came.
`--run` runs a guest shell line after the load (`--run 'od -N 8 -t u4 /dev/fibo0'`); every
`--run` line is the guest's, and the first that fails makes `kemu trace` exit with its status.
A device module's /dev nodes come from its post-install script (`-p fibo_postinstall.sh`) or
a `--run 'mknod /dev/fibo0 c 29 0'`. `-c` prints, instead of the lines, a table of calls,
errors and time per service at the end, as `strace -c` does.
`--instructions` also prints every instruction executed within a range: a symbol (`fibo_read`),
`START-END` or `START,+LENGTH`. `--json` writes one JSON object per line instead.
`--coverage FILE.info` writes the lcov tracefile of the module's lines and branches that ran
(and a per-file summary on stderr); `--report FILE.json` the run report (docs/run-report.md).
"""
from __future__ import annotations

import argparse
import sys

from kemu.cli.cmd_debug import add_common_arguments, boot_for
from kemu.cli.run_files import add_output_options, finish_outputs, start_outputs


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("trace", help="print every kernel service call a module makes (like strace)",
                              description="Load a module, run commands, and trace its kernel service calls.")
    add_common_arguments(p)
    p.add_argument("--run", dest="commands", action="append", default=[], metavar="COMMAND",
                   help="a guest shell command to run after the load (repeatable)")
    p.add_argument("-c", dest="summary", action="store_true",
                   help="count calls, errors and time per service; print the table at the end")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("-s", dest="strsize", type=int, default=32, metavar="STRSIZE",
                   help="show at most STRSIZE bytes of string arguments (default 32, as strace)")
    p.add_argument("--instructions", action="append", default=[], metavar="RANGE",
                   help="also trace instructions executed in SYMBOL, START-END or START,+LEN")
    p.add_argument("-o", dest="output", metavar="FILE", help="write the trace to FILE instead of stderr")
    add_output_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kemu.debug.tracer import Tracer
    if args.strsize < 0:
        print(f"kemu trace: -s {args.strsize}: the string size cannot be negative", file=sys.stderr)
        return 2
    system, status = boot_for(args, "kemu trace")
    if system is None:
        return status
    system.kernel.trace.string_limit = args.strsize
    trace_out = sys.stderr
    if args.output:
        try:
            trace_out = open(args.output, "w")
        except OSError as exc:
            print(f"kemu trace: {args.output}: {exc.strerror}", file=sys.stderr)
            return 1
    outputs = start_outputs(args, "kemu trace", system)
    if outputs is None:
        return 2
    tracer = Tracer(system, out=sys.stdout, err=sys.stderr, trace_out=trace_out, as_json=args.json,
                    instruction_ranges=args.instructions, summary=args.summary)
    try:
        status = tracer.run(args.module, args.commands, entry=args.entry, postinstall=args.postinstall,
                            lenient=args.lenient)
    finally:
        if trace_out is not sys.stderr:
            trace_out.close()
        written = finish_outputs(outputs, "kemu trace", system)
    for message in tracer.errors:
        print(message, file=sys.stderr)
    return status or (1 if tracer.errors or not written else 0)
