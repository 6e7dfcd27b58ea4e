#!/usr/bin/env python3
"""Benchmark: boot of kemu's Linux 6.1 kernel and insmod of the chapter's hello.ko, per arch.

Prints the median of N runs for: a fresh boot, insmod of hello.ko on it, and both together,
beside the target (a fresh kernel plus insmod in under 20 ms once imported). Qiling is not
run here (it needs its own venv); see the report in docs for its numbers when measured.

    python3 tools/bench_linux.py [-n RUNS]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kemu  # noqa: E402
from kemu.paths import fixture  # noqa: E402

TARGET_MS = 20.0


def measure(arch: str, runs: int) -> tuple[float, float]:
    hello = str(fixture("linux", arch, "hello.ko"))
    kemu.boot("linux", arch).insmod(hello)           # warm caches (symvers parsing, imports)
    boots, loads = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        system = kemu.boot("linux", arch)
        t1 = time.perf_counter()
        system.insmod(hello)
        t2 = time.perf_counter()
        boots.append(t1 - t0)
        loads.append(t2 - t1)
    return statistics.median(boots) * 1000, statistics.median(loads) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="runs per arch (default 10)")
    args = parser.parse_args()
    print(f"{'arch':<8} {'boot ms':>9} {'insmod ms':>10} {'total ms':>9} {'target ms':>10} {'ratio':>7}")
    for arch in ("x86_64", "i386"):
        boot, load = measure(arch, args.n)
        total = boot + load
        print(f"{arch:<8} {boot:9.2f} {load:10.2f} {total:9.2f} {TARGET_MS:10.1f} {total / TARGET_MS:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
