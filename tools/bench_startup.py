#!/usr/bin/env python3
"""Benchmark startup: what every `kemu` command a user types pays before it does any work.

    python3 tools/bench_startup.py [--repeat N] [--arch i386|x86_64]

Runs, side by side in one run and interleaved (so a busy machine slows all of them alike),
N times each as whole new processes, and prints the medians and the ratios:
  * `python3 -c pass`                          the interpreter alone;
  * `python3 -c 'import unicorn'`              the floor any Unicorn-based tool pays;
  * `python3 -m kemu shell -c 'modload fibo.o'` the whole command: imports, boot, modload.
For the kemu run it also prints wall time beside CPU time (user + sys of the child: CPU above
wall means threads the run did not need), and, measured inside one process, how long the
imports, the boot and the modload take (modules are imported on first use, so the boot and
the modload include what they import: the ELF reader and linker come with the first modload).

Bytecode is cached as an installed kemu has it: PYTHONDONTWRITEBYTECODE is dropped for the
children and their `.pyc` files go to a private PYTHONPYCACHEPREFIX, warmed by one run first.
No assertions: numbers and ratios for people, as the project's rules ask.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PHASES = r"""
import time
t0 = time.perf_counter()
import io, sys
from kemu.cli.main import build_parser
build_parser("shell")                # what `kemu shell …` builds
from kemu.os import boot
import kemu.os.netbsd_lkm.system     # the personality and what it imports up front
t1 = time.perf_counter()
system = boot("netbsd-lkm", sys.argv[1])
t2 = time.perf_counter()
shell = system.shell(out=io.StringIO(), err=io.StringIO())
status = shell.run_script("modload " + sys.argv[2], source="bench")
t3 = time.perf_counter()
assert status == 0, "modload failed"
print((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, len(sys.modules))
"""


def child_env(cache: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall ms, CPU ms of the child: user + sys) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1e3, cpu * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each (default 15)")
    parser.add_argument("--arch", default="i386", choices=("i386", "x86_64"))
    args = parser.parse_args()

    module = os.path.join("fixtures", "netbsd-lkm", args.arch, "gcc", "fibo.o")
    py = sys.executable
    runs = {
        "python3 -c pass": [py, "-c", "pass"],
        "python3 -c 'import unicorn'": [py, "-c", "import unicorn"],
        "kemu shell -c 'modload fibo.o'": [py, "-m", "kemu", "shell", "--arch", args.arch,
                                           "-c", f"modload {module}"],
    }
    with tempfile.TemporaryDirectory(prefix="kemu-bench-pyc-") as cache:
        env = child_env(cache)
        for argv in runs.values():            # warm the bytecode cache and the page cache
            timed(argv, env)
        walls: dict[str, list[float]] = {name: [] for name in runs}
        cpus: dict[str, list[float]] = {name: [] for name in runs}
        phases: list[list[float]] = []
        for _ in range(args.repeat):
            for name, argv in runs.items():
                wall, cpu = timed(argv, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
            out = subprocess.run([py, "-c", PHASES, args.arch, module], env=env, cwd=ROOT,
                                 check=True, capture_output=True, text=True).stdout
            phases.append([float(x) for x in out.split()])

    med = {name: statistics.median(v) for name, v in walls.items()}
    floor = med["python3 -c 'import unicorn'"]
    print(f"{args.repeat} runs each, medians ({args.arch}):")
    for name in runs:
        cpu = statistics.median(cpus[name])
        print(f"  {name:34s} wall {med[name]:7.1f} ms  cpu {cpu:7.1f} ms  "
              f"(cpu/wall {cpu / med[name]:.2f}; vs import unicorn {med[name] / floor:.2f}x)")
    imports, boot, load = (statistics.median(p[i] for p in phases) for i in range(3))
    print(f"  inside one process: imports {imports:6.1f} ms, boot {boot:6.1f} ms, "
          f"modload {load:6.1f} ms (each with what it imports first; {int(phases[0][3])} "
          f"modules in the end)")
    kemu = med["kemu shell -c 'modload fibo.o'"]
    print(f"kemu shell / import unicorn = {kemu / floor:.2f}  (target: at most 2)")


if __name__ == "__main__":
    main()
