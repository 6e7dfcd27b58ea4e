"""`kemu corpus`: run every module of a Linux module tree, each in a fresh kernel, and report.

    kemu corpus DIR [--arch ARCH] [--jobs N] [--json FILE] [--only GLOB]... [--timeout S]
                    [--limit N] [--strict] [--dask ADDRESS]

DIR is a /lib/modules/RELEASE tree (Debian's, from tools/fetch_debian_modules.py). Each
module is modprobed with its dependencies (depmod's modules.dep of DIR), its init runs, it
and its dependencies are removed, and the outcome is classified. Kernel functions kemu
lacks are generic logging stubs returning 0 (counted in their own columns) unless
--strict. Prints a progress line while it runs, then the outcome table and the ranking of
the kernel services that blocked the most modules. The work itself is kemu.os.linux.corpus.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from .options import add_arch_option, seconds


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "corpus", help="run every module of a Linux module tree (Debian's) and classify the outcomes",
        description="For each module below DIR: a fresh Linux kernel, modprobe with its dependencies, "
                    "init, rmmod; then a table of outcomes and the kernel services that blocked most.")
    parser.add_argument("dir", metavar="DIR", help="a /lib/modules/RELEASE tree")
    add_arch_option(parser, default=None, help_text="the tree's CPU (default: read from its modules)")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="worker processes (default 1)")
    parser.add_argument("--json", metavar="FILE", help="write one record per module to FILE")
    parser.add_argument("--only", action="append", metavar="GLOB",
                        help="only modules whose path or name matches (repeatable)")
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N modules (by path)")
    parser.add_argument("--timeout", type=seconds, default=60.0, metavar="S",
                        help="seconds one module may take before its worker is killed (default 60)")
    parser.add_argument("--strict", action="store_true",
                        help="no fallback stubs: a module needing a kernel function kemu lacks fails to link")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="send the per-module tasks to the Dask scheduler at ADDRESS (tcp://host:8786)")
    parser.add_argument("--top", type=int, default=20, metavar="N", help="rows of the blocker ranking (default 20)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kemu.os.linux.corpus import CorpusError, plan
    from kemu.os.linux.corpus.report import ranking, sort_records, table, write_json
    for option, value, least in (("--jobs", args.jobs, 1), ("--limit", args.limit, 1), ("--top", args.top, 0)):
        if value is not None and value < least:
            print(f"kemu corpus: {option} must be {least} or more", file=sys.stderr)
            return 2
    problem = _unwritable(args.json) if args.json else None
    if problem:                          # said before the run, not after hours of it
        print(f"kemu corpus: --json {args.json}: {problem}", file=sys.stderr)
        return 2
    arch = args.arch or _guess_arch(args.dir)
    started = time.monotonic()
    try:
        tasks = plan(args.dir, arch=arch, only=args.only, lenient=not args.strict, limit=args.limit,
                     warn=lambda line: print(line, file=sys.stderr))
    except CorpusError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not tasks:
        print(f"kemu corpus: no module below {args.dir} matches {' '.join(args.only or [])}", file=sys.stderr)
        return 1
    timeout = args.timeout or 1e9
    if args.dask:
        from kemu.os.linux.corpus.dask_pool import DaskUnavailable, run_dask
        stream = run_dask(tasks, args.dask, timeout=10.0)
    else:
        from kemu.os.linux.corpus.pool import run_local
        stream = run_local(tasks, jobs=args.jobs, timeout=timeout)
        DaskUnavailable = ()            # noqa: N806 (nothing to catch)
    progress = Progress(len(tasks), sys.stderr)
    records = []
    try:
        for record in stream:
            records.append(record)
            progress.step(record)
    except DaskUnavailable as exc:      # type: ignore[misc]
        progress.close()
        print(exc, file=sys.stderr)
        return 1
    progress.close()
    elapsed = time.monotonic() - started
    records = sort_records(records)
    where = f"Dask at {args.dask}" if args.dask else f"{args.jobs} local job{'s' if args.jobs != 1 else ''}"
    print(table(records, title=f"{os.path.abspath(args.dir)} ({arch}): {len(records)} modules, "
                               f"{'strict' if args.strict else 'fallback stubs for missing functions'}"))
    print()
    print(ranking(records, args.top))
    print()
    print(f"time: {elapsed:.1f} s on {where} ({len(records) / elapsed:.1f} modules/s)")
    if args.json:
        try:
            write_json(records, args.json, tree=os.path.abspath(args.dir), arch=arch, strict=args.strict,
                       modules=len(records))
        except OSError as exc:
            print(f"kemu corpus: --json {args.json}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    return 0


def _unwritable(path: str) -> str | None:
    """Why `path` cannot be the JSON output (a directory, no such directory), or None."""
    if os.path.isdir(path):
        return "is a directory"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"no such directory {folder}"
    return None


def _guess_arch(tree: str) -> str:
    """The ELF class of the first module found below `tree` (x86_64 when none is readable)."""
    for here, _, files in os.walk(tree):
        for name in sorted(files):
            if name.endswith(".ko"):
                try:
                    with open(os.path.join(here, name), "rb") as f:
                        head = f.read(5)
                except OSError:
                    continue
                return "i386" if head[4:5] == b"\x01" else "x86_64"
    return "x86_64"


class Progress:
    """One status line rewritten in place on a terminal (a line per 5 % otherwise)."""

    def __init__(self, total: int, out) -> None:
        self.total, self.out, self.done, self.ok = total, out, 0, 0
        self.started = time.monotonic()
        self.tty = hasattr(out, "isatty") and out.isatty()
        self.last_shown = -1

    def step(self, record: dict) -> None:
        self.done += 1
        self.ok += record["outcome"].startswith("init returned 0")
        percent = 100 * self.done // self.total
        if not self.tty and percent // 5 == self.last_shown // 5 and self.done != self.total:
            return
        self.last_shown = percent
        rate = self.done / max(time.monotonic() - self.started, 1e-6)
        left = (self.total - self.done) / rate if rate else 0
        filled = 30 * self.done // self.total
        line = (f"[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} "
                f"init 0: {self.ok}  {rate:.1f}/s  {left:.0f} s left  {record['module']}")
        if self.tty:
            self.out.write("\r" + line[:120].ljust(120))
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def close(self) -> None:
        if self.tty and self.done:
            self.out.write("\n")
            self.out.flush()
