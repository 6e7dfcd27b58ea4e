"""A seeded run of object mutants through the user paths of one machine per arch.

Mutant `k` is fully determined by `k`: `random.Random(k)` picks the clean object (module,
arch, compiler), the damage and the path it takes (`system.modload`, `system.load`, the
`modload` command, or `kemu link` / `kemu debug --batch` / `kemu trace`). A campaign runs
mutants `seed, seed+1, …` on one machine per arch, checking after each that the machine still
runs the clean fibo, so a failure names the mutant to replay and how many ran before it on
the same machine.
"""
from __future__ import annotations

import os
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .harness import (LKM, MODLOAD_OPTIONS, Unacceptable, check_still_usable, fresh_system, judge_kemu, kemu_argv,
                      load_through_api, run_kemu, write_mutant)
from .mutate import Seed, mutate

ARCHES = ("i386", "x86_64")
COMPILERS = ("gcc", "clang")
MODULES = ("fibo", "echodev", "leaky", "busy", "printfmt", "hugewidth", "nullread", "hostile",
           "fibo-g", "nullread-g")
API_PATHS = ("modload", "load", "command")
CLI_PATHS = ("link", "debug", "trace")
DEFAULT_SEED = 20261205
SEED_ENV, BUDGET_ENV = "KEMU_SYSMUT_SEED", "KEMU_SYSMUT_BUDGET"
RSS_GROWTH_LIMIT_MB = 256      # the whole campaign; a leak per mutant would pass it fast


def campaign_seed() -> int:
    return int(os.environ.get(SEED_ENV, str(DEFAULT_SEED)), 0)


def campaign_budget(default: int) -> int:
    return int(os.environ.get(BUDGET_ENV, str(default)), 0)


def seeds() -> list[Seed]:
    found = []
    for arch in ARCHES:
        for compiler in COMPILERS:
            for name in MODULES:
                path = LKM / arch / compiler / f"{name}.o"
                if path.is_file():
                    found.append(Seed.load(path, arch, compiler))
    return found


@dataclass
class Report:
    """What a campaign saw: outcomes per path and the slowest mutant."""
    outcomes: Counter = field(default_factory=Counter)
    slowest: tuple[float, int] = (0.0, -1)
    rss_growth_mb: float = 0.0

    def __str__(self) -> str:
        return (f"{dict(sorted(self.outcomes.items()))}; slowest mutant {self.slowest[1]} took "
                f"{self.slowest[0]:.2f}s; maxrss grew {self.rss_growth_mb:.0f} MB")


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(start: int, budget: int, paths: tuple[str, ...], workdir: Path) -> Report:
    """Mutants start .. start+budget-1, each through one of `paths`; raises Unacceptable
    naming the mutant (and its replay) at the first that does what no input may."""
    pool = seeds()
    systems = {arch: fresh_system(arch) for arch in ARCHES}
    since_boot = {arch: 0 for arch in ARCHES}
    report = Report()
    rss_before = _maxrss_mb()
    for k in range(start, start + budget):
        rng = random.Random(k)
        seed = rng.choice(pool)
        data, log = mutate(seed, rng)
        path_kind = rng.choice(paths)
        mutant = write_mutant(workdir, seed.name, data)
        started = time.perf_counter()
        try:
            if path_kind in CLI_PATHS:
                argv = kemu_argv(path_kind, mutant, seed, workdir, rng.randrange(1000))
                outcome = judge_kemu(argv, *run_kemu(argv))
            else:
                system = systems[seed.arch]
                options = rng.randrange(len(MODLOAD_OPTIONS))
                outcome = load_through_api(system, mutant, seed.name, path_kind, options)
                check_still_usable(system, seed.compiler)
                since_boot[seed.arch] += 1
                if outcome == "loaded, stayed":      # its name stays taken: boot a new machine
                    systems[seed.arch], since_boot[seed.arch] = fresh_system(seed.arch), 0
        except Unacceptable as exc:
            raise Unacceptable(
                f"mutant {k} ({seed.arch}/{seed.compiler}/{seed.name}.o via {path_kind}, after "
                f"{since_boot[seed.arch]} other mutants on the same machine): {'; '.join(log)}\n"
                f"replay in the same test: {SEED_ENV}={k} {BUDGET_ENV}=1 (or {SEED_ENV}={start} "
                f"{BUDGET_ENV}={k - start + 1} for the same machine history)\n{exc}") from None
        took = time.perf_counter() - started
        report.outcomes[f"{path_kind}: {outcome}"] += 1
        report.slowest = max(report.slowest, (took, k))
    report.rss_growth_mb = _maxrss_mb() - rss_before
    if report.rss_growth_mb > RSS_GROWTH_LIMIT_MB:
        raise Unacceptable(f"memory ran away: maxrss grew {report.rss_growth_mb:.0f} MB over "
                           f"mutants {start}..{start + budget - 1} ({SEED_ENV}={start})")
    return report
