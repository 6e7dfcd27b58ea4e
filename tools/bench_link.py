#!/usr/bin/env python3
"""Link throughput: kemu's linker beside GNU ld on the same objects, measured in the same run.

For the largest relocation fixture and for Debian's amdgpu.ko (320,569 relocations; fetch it
with tools/fetch_debian_modules.py), prints the best of N runs of
  - kemu: `link()` alone (object already parsed) and `ObjectFile.load` + `link()`,
  - GNU ld: the same object placed at kemu's addresses by a generated linker script with every
    external defined (`kemu.link.gnu_ld`; the whole `ld` process, as a user would run it),
with relocations per second and the ratio kemu / ld (target: within 3x). It also checks that
both links agree byte for byte, so the numbers compare equal work.

    python3 tools/bench_link.py [--runs 5] [--object PATH ...]
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
from kemu.elf.constants import SHN_UNDEF, STB_WEAK  # noqa: E402
from kemu.link import link  # noqa: E402
from kemu.link.compare import compare_with_gnu_ld  # noqa: E402
from kemu.link.gnu_ld import gnu_ld, link_with_gnu_ld  # noqa: E402

BASES = {"i386": 0xC0800000, "x86_64": 0xFFFFFFFFC0000000}
STUBS = {"i386": 0xC0100000, "x86_64": 0xFFFFFFFF81000000}


def externals(obj: ObjectFile) -> dict[str, int]:
    """An address for every undefined non-weak symbol, 16 bytes apart in a stub area."""
    st = obj.symtab
    names = sorted({obj.symbol_name(i) for i in range(1, len(st))
                    if st["shndx"][i] == SHN_UNDEF and (st["info"][i] >> 4) != STB_WEAK} - {""})
    return {n: STUBS[obj.arch] + 16 * k for k, n in enumerate(names)}


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def largest_fixture() -> Path:
    objs = sorted((ROOT / "fixtures" / "reloc").rglob("*.o"))
    def count(p: Path) -> int:
        try:
            return sum(len(t) for t in ObjectFile.load(p).relocations)
        except Exception:
            return -1
    return max(objs, key=count)


def amdgpu() -> Path | None:
    spec = importlib.util.spec_from_file_location("fetch", ROOT / "tools" / "fetch_debian_modules.py")
    fetch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fetch)
    return fetch.find_cached_module("amdgpu")


def bench(path: Path, runs: int, workdir: Path) -> None:
    obj = ObjectFile.load(path)
    ext = externals(obj)
    base = BASES[obj.arch]
    relocs = sum(len(t) for t in obj.relocations)
    link_s = best(lambda: link(obj, base, ext.get), runs)
    load_link_s = best(lambda: link(ObjectFile.load(path), base, ext.get), runs)
    image = link(obj, base, ext.get)
    print(f"{path.name}: {obj.arch}, {path.stat().st_size / 2**20:.1f} MiB, {relocs:,} relocations, "
          f"{len(obj.sections)} sections, {len(obj.symtab):,} symbols")
    print(f"  kemu link()           {link_s * 1e3:8.1f} ms   {relocs / link_s:12,.0f} relocations/s")
    print(f"  kemu load + link()    {load_link_s * 1e3:8.1f} ms   {relocs / load_link_s:12,.0f} relocations/s")
    if gnu_ld() is None:
        print("  GNU ld: not installed, no comparison")
        return
    ld_times = []
    reference = None
    for _ in range(runs):
        reference = link_with_gnu_ld(path, obj, image, workdir)
        ld_times.append(reference.seconds)
    ld_s = min(ld_times)
    agree = compare_with_gnu_ld(obj, image, reference, debug=False)
    print(f"  GNU ld (whole run)    {ld_s * 1e3:8.1f} ms   {relocs / ld_s:12,.0f} relocations/s")
    print(f"  ratio kemu/ld: link() {link_s / ld_s:.2f}x, load+link() {load_link_s / ld_s:.2f}x "
          f"(target <= 3x); outputs {'agree byte for byte' if agree.ok else 'DIFFER'}")
    if not agree.ok:
        print(agree.report(5))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (best is kept)")
    parser.add_argument("--object", type=Path, action="append", help="benchmark these objects instead")
    args = parser.parse_args(argv)
    targets = args.object or [largest_fixture()]
    if not args.object:
        big = amdgpu()
        if big is None:
            print("amdgpu.ko is not cached: run tools/fetch_debian_modules.py to include it\n")
        else:
            targets.append(big)
    with tempfile.TemporaryDirectory() as tmp:
        for path in targets:
            bench(path, args.runs, Path(tmp))
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
