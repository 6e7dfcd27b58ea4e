#!/usr/bin/env python3
"""Benchmark the console: how soon long outputs start, and what a pipeline costs.

    python3 tools/bench_shell.py [--arch i386|x86_64] [--count BYTES]

Prints, side by side (no assertions: numbers and ratios for people, as the project's rules ask):
  * `od -N COUNT /dev/fibo0`: time to its first output line and to its end, and their ratio
    (streaming: the first line comes after one read, not after the whole dump);
  * `./fibotest | head -n 50` (an endless writer ended by its reader): wall time and the number
    of 4-byte reads fibotest made before the pipe closed, beside the same 50 numbers read
    directly with `od -A n -t u4 -N 200` (no pipe);
  * `od -N 4`: the bytes the driver moved (uiomove calls and their sizes) — 4, not a block.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


class FirstWrite(io.StringIO):
    """Remembers when the first text arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.first: float | None = None

    def write(self, text: str) -> int:
        if self.first is None:
            self.first = time.perf_counter()
        return super().write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="i386", choices=("i386", "x86_64"))
    parser.add_argument("--count", type=int, default=400_000, help="bytes for the long od (default 400000)")
    args = parser.parse_args()

    import kemu
    from kemu.paths import GUEST, fixture

    system = kemu.boot("netbsd-lkm", args.arch)
    shell = system.shell(out=io.StringIO(), err=io.StringIO())
    module = fixture("netbsd-lkm", args.arch, "gcc", "fibo.o")
    script = GUEST / "netbsd-lkm" / "fibo" / "fibo_postinstall.sh"
    assert shell.run_line(f"modload -p {script} {module}") == 0

    out = FirstWrite()
    t0 = time.perf_counter()
    shell.run_line(f"od -N {args.count} /dev/fibo0", out)
    t1 = time.perf_counter()
    first_ms, total_ms = (out.first - t0) * 1e3, (t1 - t0) * 1e3
    print(f"od -N {args.count}: first line after {first_ms:8.1f} ms, end after {total_ms:8.1f} ms "
          f"(first/end = {first_ms / total_ms:.4f})")

    reads: list[int] = []
    real_read = system.read
    system.read = lambda fd, n: reads.append(n) or real_read(fd, n)
    out = io.StringIO()
    t0 = time.perf_counter()
    shell.run_line("./fibotest | head -n 50", out)
    piped_ms = (time.perf_counter() - t0) * 1e3
    system.read = real_read
    t0 = time.perf_counter()
    shell.run_line("od -A n -t u4 -N 200 /dev/fibo0", io.StringIO())
    direct_ms = (time.perf_counter() - t0) * 1e3
    print(f"./fibotest | head -n 50: {piped_ms:8.1f} ms, {len(reads)} reads before the pipe closed; "
          f"od -N 200 directly: {direct_ms:8.1f} ms (pipe/direct = {piped_ms / direct_ms:.1f})")

    calls: list = []
    stop = system.kernel.trace.observe(calls.append)
    shell.run_line("od -N 4 /dev/fibo0", io.StringIO())
    stop()
    moves = [c for c in calls if c.name == "uiomove"]
    sizes = [dict((name, value) for name, value, _ in c.args)["n"] for c in moves]
    print(f"od -N 4: {len(moves)} uiomove call(s) moving {sum(sizes)} byte(s) {sizes}")


if __name__ == "__main__":
    main()
