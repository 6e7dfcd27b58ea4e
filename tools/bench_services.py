#!/usr/bin/env python3
"""Kernel service calls per second, end to end: guest code in a loop calls a service with three
decoded arguments (a pointer, a size_t, a signed int) and gets a result back.

Side by side, per arch: an empty service (decoding + trace only), `memset` on 16 bytes (a real
service touching guest memory) and the same loop calling a stub whose handler returns at once
without any decoding (the machine's bare trap cost), so the kernel layer's own overhead shows as
a ratio. Target (issue 3): >= 500,000 service calls/s with arguments decoded.

    python3 tools/bench_services.py [--calls N] [--repeat R]
"""
from __future__ import annotations

import argparse
import time

from keystone import KS_ARCH_X86, KS_MODE_32, KS_MODE_64, Ks

from kemu.kernel import Errno, Kernel, ServiceTable
from kemu.kernel.services import string
from kemu.machine import Machine, Prot

bench = ServiceTable("bench")


@bench.service("int bench3(void *buf, size_t n, int c)")
def bench3(k, buf, n, c):
    """Does nothing with its three decoded arguments."""
    return 0


def loop_code(arch: str, stub: int, count: int, buf: int) -> str:
    if arch == "x86_64":
        return (f"push rbx; mov ebx, {count};"
                f"again: mov rdi, {buf:#x}; mov rsi, 16; mov edx, -1; mov rax, {stub:#x}; call rax;"
                f"dec ebx; jnz again; pop rbx; ret")
    return (f"push ebx; mov ebx, {count};"
            f"again: push -1; push 16; push {buf:#x}; mov eax, {stub:#x}; call eax; add esp, 12;"
            f"dec ebx; jnz again; pop ebx; ret")


def measure(arch: str, count: int, repeat: int) -> dict[str, float]:
    m = Machine(arch)
    k = Kernel(m, Errno.netbsd())
    k.install(bench)
    k.install(string.table.subset("memset"))
    bare = m.add_stub("bare", lambda call: 0)
    buf = k.heap.alloc(64, "bench")
    ks = Ks(KS_ARCH_X86, KS_MODE_64 if arch == "x86_64" else KS_MODE_32)
    code_at = m.alloc("modules", 4096)
    out = {}
    for label, stub in (("bare trap (no decoding)", bare), ("bench3 (3 decoded args)", k.symbols.lookup("bench3")),
                        ("memset 16 bytes", k.symbols.lookup("memset"))):
        enc, _ = ks.asm(loop_code(arch, stub, count, buf), code_at)
        m.mem.load_code(code_at, bytes(enc))
        m.mem.protect(code_at, 4096, Prot.RX)
        m.call(code_at, timeout=0)  # warm up translation
        best = float("inf")
        for _ in range(repeat):  # best of several: other processes share the CPU
            start = time.perf_counter()
            m.call(code_at, timeout=0)
            best = min(best, time.perf_counter() - start)
        out[label] = count / best
        m.mem.protect(code_at, 4096, Prot.RW)
    m.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement; the best counts")
    args = ap.parse_args()
    for arch in ("i386", "x86_64"):
        rates = measure(arch, args.calls, args.repeat)
        base = rates["bare trap (no decoding)"]
        print(f"{arch}:")
        for label, rate in rates.items():
            print(f"  {label:<26} {rate:>12,.0f} calls/s   {rate / base:5.2f} x bare trap")
    print("target: >= 500,000 service calls/s with decoded arguments")


if __name__ == "__main__":
    main()
