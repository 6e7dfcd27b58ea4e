#!/usr/bin/env python3
"""Benchmark: boot of kemu's Linux 6.1 kernel and insmod of the chapter's hello.ko, per arch,
beside Qiling loading and running the same hello.ko in the same run.

Prints the median of N runs for: a fresh boot, insmod of hello.ko on it, and both together,
beside the target (a fresh kernel plus insmod in under 20 ms once imported); then Qiling's
time to construct its emulator for the .ko and run init (median of N, imports excluded) and
the ratio Qiling / kemu. Qiling pins its own Unicorn, so it runs in a venv of its own, started
as a subprocess (tools/qiling_insmod.py):

    python3 -m venv /tmp/qlvenv && /tmp/qlvenv/bin/pip install qiling
    python3 tools/bench_linux.py [-n RUNS] [--qiling-python /tmp/qlvenv/bin/python | --no-qiling]

When Qiling is not installed, or fails on a module, the output says what failed and where.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kemu  # noqa: E402
from kemu.paths import fixture  # noqa: E402

TARGET_MS = 20.0
QILING_PYTHON = os.environ.get("KEMU_QILING_PYTHON", "/tmp/qlvenv/bin/python")
QILING_SCRIPT = Path(__file__).resolve().parent / "qiling_insmod.py"
#: why Qiling's 32-bit run fails, from its code: qiling/cc/intel.py reads a 32-bit x86 kernel
#: API's arguments from the stack (cdecl), and init_module starts on an empty stack
I386_NOTE = ("Qiling's 32-bit kernel API hooks read arguments from the stack (cdecl) and run "
             "init on an empty stack; 686-pae modules pass them in registers (-mregparm=3)")


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


def qiling(arch: str, runs: int, python: str) -> dict:
    """Qiling's numbers for hello.ko on `arch` (tools/qiling_insmod.py in Qiling's venv), or
    {"error": why}."""
    if not Path(python).exists():
        return {"error": f"not run: {python} does not exist (python3 -m venv /tmp/qlvenv && "
                         "/tmp/qlvenv/bin/pip install qiling, or --qiling-python)"}
    hello = str(fixture("linux", arch, "hello.ko"))
    with tempfile.TemporaryDirectory(prefix="kemu-qiling-rootfs-") as rootfs:
        try:
            done = subprocess.run([python, str(QILING_SCRIPT), hello, rootfs, str(runs)],
                                  capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return {"error": f"could not run {python}: {exc}"}
    line = next((x for x in done.stdout.splitlines() if x.startswith("QILING ")), None)
    if line is None:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"{python} exited {done.returncode}: {tail}"}
    return json.loads(line[len("QILING "):])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="runs per arch (default 10)")
    parser.add_argument("--qiling-python", default=QILING_PYTHON,
                        help=f"python of Qiling's venv (default {QILING_PYTHON}, or $KEMU_QILING_PYTHON)")
    parser.add_argument("--no-qiling", action="store_true", help="measure kemu only")
    args = parser.parse_args()
    print(f"{'arch':<8} {'boot ms':>9} {'insmod ms':>10} {'total ms':>9} {'target ms':>10} {'ratio':>7} "
          f"{'qiling ms':>10} {'qiling/kemu':>12}")
    notes = []
    for arch in ("x86_64", "i386"):
        boot, load = measure(arch, args.n)
        total = boot + load
        row = f"{arch:<8} {boot:9.2f} {load:10.2f} {total:9.2f} {TARGET_MS:10.1f} {total / TARGET_MS:6.2f}x"
        if args.no_qiling:
            print(row)
            continue
        ql = qiling(arch, args.n, args.qiling_python)
        if "error" in ql:
            print(f"{row} {'failed':>10} {'-':>12}")
            where = f" in its hook for {ql['in_api']}" if ql.get("in_api") else ""
            notes.append(f"Qiling on {arch}: {ql['error']}{where}")
            if arch == "i386" and ql.get("in_api"):
                notes.append(f"  ({I386_NOTE})")
        else:
            print(f"{row} {ql['total_ms']:10.2f} {ql['total_ms'] / total:11.2f}x")
            notes.append(f"Qiling on {arch}: construct {ql['setup_ms']:.2f} ms + run init, median of "
                         f"{ql['runs']}; import {ql['import_ms']:.0f} ms not counted; printk calls "
                         f"{ql['printk_calls']} (one per run: hello's)")
    print(f"target: fresh kernel + insmod of hello.ko < {TARGET_MS:.0f} ms once imported")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
