#!/usr/bin/env python3
"""Benchmark the NetBSD LKM path: how soon fibo is loaded, and how fast /dev/fibo0 reads.

    python3 tools/bench_lkm.py [--arch i386|x86_64] [--compiler gcc|clang] [--runs N]

Prints, side by side:
  * process start -> fibo loaded and initialised (a fresh `python3` per run: interpreter start,
    imports, boot, modload with its LKM_E_LOAD call), and the same split into phases measured
    inside the process: `import kemu`, importing what boot needs (Unicorn, capstone, numpy,
    the layers), boot, and modload (link twice, load, entry point);
  * the target: fibo loaded and initialised within 50 ms once Python has imported kemu,
    reported both as measured from `import kemu` (kemu imports its layers lazily, so this
    includes them) and from the moment the layers are imported;
  * Fibonacci numbers per second read through /dev/fibo0 with 4 KiB reads (1024 numbers per
    read(2), each one a uiomove trap from the module's own fibo_read loop), and the cost of one
    read(2) itself (4-byte reads: user buffer, uio, the call into d_read, one uiomove).
No assertions: numbers and ratios for people, as the project's rules ask.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_MS = 50.0

CHILD = r"""
import time, json, sys
t0 = time.perf_counter()
import kemu
t1 = time.perf_counter()
import kemu.os.netbsd_lkm.system, kemu.elf, kemu.link
t2 = time.perf_counter()
system = kemu.boot("netbsd-lkm", sys.argv[1])
t3 = time.perf_counter()
system.modload(sys.argv[2])
t4 = time.perf_counter()
system2 = kemu.boot("netbsd-lkm", sys.argv[1])
t5 = time.perf_counter()
system2.modload(sys.argv[2])
t6 = time.perf_counter()
print(json.dumps({"import_kemu": t1 - t0, "import_layers": t2 - t1, "boot": t3 - t2,
                  "modload": t4 - t3, "warm_boot": t5 - t4, "warm_modload": t6 - t5}))
"""


def cold_runs(arch: str, module: str, runs: int) -> tuple[list[float], list[dict]]:
    walls, phases = [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, arch, module], capture_output=True,
                              text=True, cwd=ROOT, check=True)
        walls.append(time.perf_counter() - start)
        phases.append(json.loads(done.stdout))
    return walls, phases


def read_rate(arch: str, module: str, seconds: float = 2.0) -> tuple[float, int]:
    sys.path.insert(0, ROOT)
    import kemu
    system = kemu.boot("netbsd-lkm", arch)
    loaded = system.modload(module)
    system.devfs.mknod("/dev/fibo0", "c", loaded.offset, 0, 0o666)
    fd = system.open("/dev/fibo0")
    system.read(fd, 4096)                      # warm the translation cache
    reads = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        data = system.read(fd, 4096)
        assert len(data) == 4096
        reads += 1
    elapsed = time.perf_counter() - start
    rate = reads * 1024 / elapsed
    small = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds / 4:
        system.read(fd, 4)
        small += 1
    per_call = (time.perf_counter() - start) / small
    return rate, reads, per_call


def ms(value: float) -> str:
    return f"{value * 1000:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=("i386", "x86_64"), default="i386")
    parser.add_argument("--compiler", choices=("gcc", "clang"), default="gcc")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    module = os.path.join(ROOT, "fixtures", "netbsd-lkm", args.arch, args.compiler, "fibo.o")

    walls, phases = cold_runs(args.arch, module, args.runs)
    med = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
    print(f"fibo.o ({args.arch}, {args.compiler}), median of {args.runs} fresh processes")
    print(f"  process start -> fibo loaded and initialised  {ms(statistics.median(walls))}")
    print(f"    import kemu                                 {ms(med['import_kemu'])}")
    print(f"    import the layers (unicorn, capstone, numpy) {ms(med['import_layers'])}")
    print(f"    boot (machine, kernel, services, cdevsw)     {ms(med['boot'])}")
    print(f"    modload (link x2, load, LKM_E_LOAD)          {ms(med['modload'])}")
    print(f"    second boot + modload in the same process    {ms(med['warm_boot'] + med['warm_modload'])}")
    after_import = med["import_layers"] + med["boot"] + med["modload"]
    after_layers = med["boot"] + med["modload"]
    print(f"  after `import kemu` (lazy layers included)    {ms(after_import)}  "
          f"= {after_import * 1000 / TARGET_MS:.2f} x the {TARGET_MS:.0f} ms target")
    print(f"  after the layers are imported                 {ms(after_layers)}  "
          f"= {after_layers * 1000 / TARGET_MS:.2f} x the {TARGET_MS:.0f} ms target")

    rate, reads, per_call = read_rate(args.arch, module)
    print(f"  /dev/fibo0 with 4 KiB reads: {rate:,.0f} Fibonacci numbers/s "
          f"({reads} reads, {rate / 1024:,.0f} reads/s, one uiomove trap per number)")
    print(f"  one read(2) of 4 bytes: {per_call * 1e6:,.1f} us "
          f"({per_call * rate / 1024:.1%} of a 4 KiB read)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
