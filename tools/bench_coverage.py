#!/usr/bin/env python3
"""Benchmark of coverage recording: what it costs, and the two ways of hooking compared.

A guest loop with a conditional branch in its body (three basic blocks, six instructions per
iteration) runs in module memory:

  off          no hook at all (coverage not recording)
  block        kemu's recorder: a UC_HOOK_BLOCK over the loop's range counting
               (previous block end, start, size) — what kemu.kernel.coverage installs
  block-empty  a block hook over the range that does nothing: the price of entering Python
  block-away   the same block hook over another range: code outside a module's text
  code         the alternative: a UC_HOOK_CODE over the range counting each instruction and
               each (previous instruction, instruction) pair for branch outcomes

Each line prints guest instructions per second and the slowdown against `off`, side by
side. Then the one-off cost of mapping a module's counts to lines (build the map, fold).

Usage: python3 tools/bench_coverage.py [--quick] [--arch i386|x86_64]
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from keystone import KS_ARCH_X86, KS_MODE_32, KS_MODE_64, Ks  # noqa: E402

from kemu.kernel.coverage import _counter  # noqa: E402  (the recorder's own hook callback)
from kemu.machine import Machine, Prot  # noqa: E402

INSNS_PER_ITERATION = 6      # test, jz, add, jmp | add ; dec, jnz: 6 on either path


def loop_source(arch: str, n: int) -> str:
    c = "rcx" if arch == "x86_64" else "ecx"
    a = "rax" if arch == "x86_64" else "eax"
    return f"""
        mov {c}, {n}
        xor {a}, {a}
    top:
        test {c}, 1
        jz even
        add {a}, 3
        jmp next
    even:
        add {a}, 5
    next:
        dec {c}
        jnz top
        ret
    """


def code_counter(counts: dict, edges: dict):
    """The per-instruction alternative: count instructions and (previous, this) pairs."""
    prev = 0

    def on_insn(address: int, size: int) -> None:
        nonlocal prev
        counts[address] = counts.get(address, 0) + 1
        key = (prev, address)
        edges[key] = edges.get(key, 0) + 1
        prev = address

    return on_insn


def run_mode(arch: str, mode: str, n: int) -> float:
    """Seconds for one call of the n-iteration loop under `mode`."""
    m = Machine(arch, timeout=0)
    ks = Ks(KS_ARCH_X86, KS_MODE_64 if arch == "x86_64" else KS_MODE_32)
    code_at = m.alloc("modules", 0x1000)
    away = m.alloc("modules", 0x1000)
    m.mem.load_code(code_at, bytes(ks.asm(loop_source(arch, n), code_at)[0]))
    m.mem.protect(code_at, 0x1000, Prot.RX)
    m.mem.protect(away, 0x1000, Prot.RX)
    if mode == "block":
        m.add_block_hook(_counter({}, code_at), code_at, code_at + 0xfff)
    elif mode == "block-empty":
        m.add_block_hook(lambda address, size: None, code_at, code_at + 0xfff)
    elif mode == "block-away":
        m.add_block_hook(_counter({}, away), away, away + 0xfff)
    elif mode == "code":
        m.add_code_hook(code_counter({}, {}), code_at, code_at + 0xfff)
    m.call(code_at, 0)                      # translate once
    start = time.perf_counter()
    m.call(code_at, 0)
    return time.perf_counter() - start


def bench_loop(arch: str, n: int) -> None:
    print(f"guest loop, {n:,} iterations ({arch}): instructions per second, slowdown against off")
    base = None
    for mode in ("off", "block", "block-empty", "block-away", "code"):
        took = min(run_mode(arch, mode, n) for _ in range(5))   # the machine is shared: best of 5
        rate = n * INSNS_PER_ITERATION / took
        base = base or took
        print(f"  {mode:<11} {rate / 1e6:9.2f} M insn/s  {took * 1e3:9.1f} ms  x{took / base:6.1f}")


def bench_fold(arch: str) -> None:
    import kemu
    from kemu.kernel.coverage import CoverageRecorder
    from kemu.kernel.coverage_map import build_map
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    obj = os.path.join(root, "fixtures", "netbsd-lkm", arch, "gcc", "fibo-g.o")
    system = kemu.boot("netbsd-lkm", arch)
    recorder = CoverageRecorder(system.kernel).start()
    out = io.StringIO()
    module = system.load(obj, entry="fibo_lkmentry", out=out, err=out)
    start = time.perf_counter()
    cmap = build_map(module.obj, module.image)
    built = time.perf_counter() - start
    run = recorder.runs[0]
    start = time.perf_counter()
    for _ in range(20):
        cmap.fold(run.blocks)
    folded = (time.perf_counter() - start) / 20
    print(f"mapping fibo-g.o ({arch}, {len(cmap.insns)} instructions): build the map {built * 1e3:.1f} ms "
          f"(once per object), fold a run {folded * 1e3:.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--arch", choices=("i386", "x86_64"), default="x86_64")
    args = parser.parse_args()
    bench_loop(args.arch, 20_000 if args.quick else 200_000)
    bench_fold(args.arch)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
