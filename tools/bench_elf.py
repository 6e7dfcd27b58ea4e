#!/usr/bin/env python3
"""Benchmark kemu.elf: parse time and relocations/s on the largest object at hand.

Objects measured, side by side with pyelftools merely iterating the same relocations:
  * Debian's amdgpu.ko (18.6 MiB, 320,569 relocations) if some tool already put it under
    ~/.cache/kemu/ (this script never downloads anything);
  * the largest committed fixture;
  * a synthetic amdgpu-sized x86-64 object (100k symbols, ~320k relocations) assembled with
    GNU as into a temporary directory, when `as` exists (--no-synthetic to skip).

Usage: python3 tools/bench_elf.py [--repeat N] [--no-synthetic] [extra objects...]
"""
from __future__ import annotations

import argparse
import io
import lzma
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kemu.elf import ObjectFile  # noqa: E402

CACHE = Path.home() / ".cache" / "kemu"


def find_amdgpu() -> Path | None:
    if not CACHE.is_dir():
        return None
    hits = sorted(CACHE.rglob("amdgpu.ko*"), key=lambda p: p.stat().st_size, reverse=True)
    return hits[0] if hits else None


def read_object(path: Path) -> bytes:
    data = path.read_bytes()
    return lzma.decompress(data) if path.suffix == ".xz" else data


def largest_fixture() -> Path | None:
    objs = [p for p in (ROOT / "fixtures").rglob("*") if p.suffix in (".o", ".ko", ".kmod")]
    return max(objs, key=lambda p: p.stat().st_size) if objs else None


def synthetic_object(workdir: Path, functions: int = 50_000) -> Path | None:
    """An x86-64 object shaped like a big driver: per function 6 relocations (PLT32 calls,
    PC32 data loads, 32S immediates) against ~100k symbols, plus a table of R_X86_64_64."""
    if not shutil.which("as"):
        return None
    lines = [".text"]
    for i in range(functions):
        j = (i * 7919) % functions
        lines.append(f".globl f{i}\n.type f{i},@function\nf{i}:\n call e{i}\n call e{j}\n"
                     f" movl v{i % 4096}(%rip),%eax\n movq $f{j}+8,%rax\n leaq s{i % 64}(%rip),%rdx\n"
                     f" call f{(i + 1) % functions}\n ret\n.size f{i},.-f{i}")
    lines.append(".data\n.align 8\ntable:")
    lines += [f" .quad f{i}+{i % 16}" for i in range(0, functions, 2)]
    lines.append(".bss\n" + "".join(f".globl v{i}\nv{i}: .zero 4\n" for i in range(4096)))
    lines.append(".section .rodata.str1.1,\"aMS\",@progbits,1\n"
                 + "".join(f"s{i}: .asciz \"str{i}\"\n" for i in range(64)))
    src = workdir / "synthetic.s"
    src.write_text("\n".join(lines) + "\n")
    out = workdir / "synthetic.o"
    subprocess.run(["as", "--64", str(src), "-o", str(out)], check=True)
    return out


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def pyelftools_iterate(data: bytes) -> int:
    from elftools.elf.elffile import ELFFile
    from elftools.elf.relocation import RelocationSection
    elf = ELFFile(io.BytesIO(data))
    n = 0
    for sec in elf.iter_sections():
        if isinstance(sec, RelocationSection):
            for rel in sec.iter_relocations():
                rel["r_info_sym"]
                n += 1
    return n


def measure(label: str, data: bytes, name: str, repeat: int, baseline: bool) -> None:
    obj = ObjectFile.parse(data, name)
    nrel = sum(len(t) for t in obj.relocations)
    t_parse = best_of(repeat, lambda: ObjectFile.parse(data, name))
    t_syms = best_of(max(1, repeat // 3), lambda: ObjectFile.parse(data, name).symbols)
    print(f"{label}: {name}")
    print(f"  {len(data) / 2**20:.1f} MiB, {len(obj.sections)} sections, {len(obj.symtab)} symbols, "
          f"{nrel} relocations in {len(obj.relocations)} tables")
    print(f"  kemu.elf parse+validate : {t_parse * 1e3:8.2f} ms  "
          f"({nrel / t_parse / 1e6:.1f} M relocations/s)")
    print(f"  ... plus obj.symbols    : {t_syms * 1e3:8.2f} ms  (lazy Symbol objects)")
    if baseline:
        t_ref = best_of(1, lambda: pyelftools_iterate(data))
        print(f"  pyelftools iteration    : {t_ref * 1e3:8.2f} ms  "
              f"(ratio pyelftools/kemu = {t_ref / t_parse:.0f}x)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("objects", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--no-synthetic", action="store_true")
    ap.add_argument("--no-baseline", action="store_true", help="skip the pyelftools comparison")
    args = ap.parse_args()
    baseline = not args.no_baseline
    amd = find_amdgpu()
    if amd:
        measure("amdgpu", read_object(amd), str(amd), args.repeat, baseline)
    else:
        print(f"amdgpu.ko: not under {CACHE} (fetched by the link benchmark; not downloaded here)")
    fix = largest_fixture()
    if fix:
        measure("largest fixture", fix.read_bytes(), str(fix.relative_to(ROOT)), args.repeat,
                baseline)
    for path in args.objects:
        measure("given", read_object(path), str(path), args.repeat, baseline)
    if not args.no_synthetic:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            syn = synthetic_object(Path(tmp))
            if syn is None:
                print("synthetic: GNU as not found, skipped")
            else:
                print(f"(synthetic object assembled in {time.perf_counter() - t0:.1f} s)")
                measure("synthetic amdgpu-sized", syn.read_bytes(), "synthetic.o", args.repeat,
                        baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
