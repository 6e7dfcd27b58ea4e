#!/usr/bin/env python3
"""Corpus throughput: kemu's linker beside GNU ld over Debian's real modules, and modules per
second through a whole `kemu corpus` trial (modprobe, init, rmmod), in the same run.

For each arch whose Debian tree tools/fetch_debian_modules.py has unpacked, over the whole
tree or every k-th module (--limit N picks N spread evenly by path):
  - kemu: `ObjectFile.load` + `link()` of each module at the module base with every external
    given an address, and `link()` alone — relocations per second;
  - GNU ld: the same objects at the same addresses (kemu.link.gnu_ld's linker script, the whole
    `ld` process per module) — relocations per second, and how many outputs agree with kemu's
    byte for byte (the differential check);
  - trials: each module in a fresh kernel through init and exit (kemu.os.linux.corpus), in this
    process, then on --jobs worker processes — modules per second.

    python3 tools/bench_corpus.py [--arch x86_64|i386|all] [--limit 200] [--jobs 2] [--no-ld] [--links-only]
    python3 tools/bench_corpus.py --limit 0 --links-only      # every module against GNU ld
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kemu.elf import ObjectFile  # noqa: E402
from kemu.link import link  # noqa: E402
from kemu.link.compare import compare_with_gnu_ld  # noqa: E402
from kemu.link.gnu_ld import ReferenceLinkError, gnu_ld, link_with_gnu_ld  # noqa: E402
from kemu.os.linux.corpus import plan, run_module  # noqa: E402
from kemu.os.linux.corpus.pool import run_local  # noqa: E402

BASES = {"i386": 0xF8000000, "x86_64": 0xFFFFFFFFA0000000}
STUBS = {"i386": 0xC1000000, "x86_64": 0xFFFFFFFF81000000}


def _fetch_tool():
    spec = importlib.util.spec_from_file_location("fetch_debian_modules", ROOT / "tools" / "fetch_debian_modules.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def spread(items: list, limit: int | None) -> list:
    """`limit` items spread evenly over `items` (all of them without a limit)."""
    if not limit or limit >= len(items):
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def externals(obj: ObjectFile) -> dict[str, int]:
    names = sorted({s.name for s in obj.symbols if s.undefined and s.name})
    return {n: STUBS[obj.arch] + 16 * k for k, n in enumerate(names)}


def bench_links(paths: list[Path], arch: str, use_ld: bool, workdir: Path) -> None:
    relocs = load_link_s = link_s = ld_s = 0.0
    agree = differ = ld_failed = 0
    for path in paths:
        start = time.perf_counter()
        obj = ObjectFile.load(path)
        ext = externals(obj)
        t1 = time.perf_counter()
        image = link(obj, BASES[arch], ext.get)
        t2 = time.perf_counter()
        load_link_s += t2 - start
        link_s += t2 - t1
        relocs += sum(len(t) for t in obj.relocations)
        if use_ld:
            try:
                ref = link_with_gnu_ld(path, obj, image, workdir)
            except ReferenceLinkError:
                ld_failed += 1
                continue
            ld_s += ref.seconds
            if compare_with_gnu_ld(obj, image, ref, debug=False).ok:
                agree += 1
            else:
                differ += 1
    print(f"  {len(paths)} modules, {relocs:,.0f} relocations")
    print(f"  kemu link()              {link_s:8.2f} s  {relocs / link_s:12,.0f} relocations/s")
    print(f"  kemu load + link()       {load_link_s:8.2f} s  {relocs / load_link_s:12,.0f} relocations/s")
    if use_ld and ld_s:
        print(f"  GNU ld (whole runs)      {ld_s:8.2f} s  {relocs / ld_s:12,.0f} relocations/s   "
              f"ratio kemu load+link / ld {load_link_s / ld_s:.2f}x")
        print(f"  byte for byte: {agree} agree, {differ} differ, {ld_failed} ld could not link")


def bench_trials(tree: Path, arch: str, paths: list[str], jobs: int) -> None:
    tasks = [t for t in plan(str(tree), arch=arch, lenient=True) if t.path in set(paths)]
    start = time.perf_counter()
    ok = sum(run_module(t)["outcome"].startswith("init returned 0") for t in tasks)
    one = time.perf_counter() - start
    print(f"  trials in this process   {one:8.2f} s  {len(tasks) / one:12.1f} modules/s   ({ok} init returned 0)")
    start = time.perf_counter()
    n = sum(1 for _ in run_local(tasks, jobs=jobs))
    many = time.perf_counter() - start
    print(f"  trials on {jobs} processes   {many:8.2f} s  {n / many:12.1f} modules/s   (with worker start-up)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="all", choices=("x86_64", "i386", "all"))
    parser.add_argument("--limit", type=int, default=200, help="modules per arch, spread by path (0: all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-ld", action="store_true", help="skip GNU ld")
    parser.add_argument("--links-only", action="store_true", help="skip the trials (init and exit)")
    args = parser.parse_args(argv)
    tool = _fetch_tool()
    use_ld = not args.no_ld and gnu_ld() is not None
    if not args.no_ld and not use_ld:
        print("GNU ld is not installed: kemu's numbers only\n")
    for arch in (("x86_64", "i386") if args.arch == "all" else (args.arch,)):
        tree = tool.modules_root(arch)
        if tree is None:
            print(f"{arch}: Debian's modules are not fetched (tools/fetch_debian_modules.py --arch {arch})\n")
            continue
        rel = sorted(str(p.relative_to(tree)) for p in tree.rglob("*.ko"))
        chosen = spread(rel, args.limit or None)
        print(f"{arch}: {tree}")
        with tempfile.TemporaryDirectory() as tmp:
            bench_links([tree / r for r in chosen], arch, use_ld, Path(tmp))
        if not args.links_only:
            bench_trials(tree, arch, chosen, args.jobs)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
