"""Seeded object mutants through the Linux, FreeBSD and NetBSD module(9) consoles.

The NetBSD LKM campaign (campaign.py) covers modload of LKM objects; this one takes the other
personalities' fixtures (Linux .ko, FreeBSD .ko, NetBSD .kmod) through `insmod`, `kldload` and
`modload` typed at each system's shell. Mutant `k` of a system and arch is fully determined
by `k` (`random.Random(k)` picks the fixture and the damage, tests/system/mutate.py). The only
acceptable outcomes are the same as everywhere: the command succeeds or fails with the tool's
own message, no Python exception or traceback text, within the machine's time limits, and the
same machine then loads the clean fibo module and unloads it again.
"""
from __future__ import annotations

import io
import random
import time
from dataclasses import dataclass
from pathlib import Path

from kemu.os import boot
from kemu.paths import FIXTURES

from .harness import TRACEBACK_WORDS, Unacceptable
from .mutate import Seed, mutate

MUTANT_SECONDS = 20.0           # a whole command; each guest call has its own limit


@dataclass(frozen=True)
class Personality:
    name: str                   # kemu.os.boot's name
    pattern: str                # fixtures of one arch, relative to FIXTURES/<name>/<arch>
    load: str                   # the console command, {path} the object
    unload: str                 # the console command, {name} the module
    clean: str                  # a fixture that must load after every mutant (path under the arch)
    clean_name: str


PERSONALITIES = {
    "linux": Personality("linux", "*.ko", "insmod {path}", "rmmod {name}", "fibo.ko", "fibo"),
    "freebsd": Personality("freebsd", "*/*.ko", "kldload {path}", "kldunload {name}", "gcc/fibo.ko",
                           "fibo"),
    "netbsd": Personality("netbsd", "*/*/*.kmod", "modload {path}", "modunload {name}",
                          "gcc/fibo/fibo.kmod", "fibo"),
}


def seeds(system: str, arch: str) -> list[Seed]:
    root = FIXTURES / system / arch
    found = sorted(root.glob(PERSONALITIES[system].pattern))
    return [Seed.load(p, arch, p.relative_to(root).parts[0] if p.parent != root else "gcc") for p in found]


def mutant(system: str, arch: str, k: int, workdir: Path) -> tuple[Path, Seed, list[str]]:
    """Mutant `k`: written under `workdir` with its fixture's file name; (path, fixture, edits)."""
    rng = random.Random(k)
    seed = rng.choice(seeds(system, arch))
    data, edits = mutate(seed, rng)
    folder = workdir / f"{system}-{arch}-{k}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / seed.path.name
    path.write_bytes(data)
    return path, seed, edits


def command(system, line: str) -> tuple[int, str]:
    """(status, output) of one console line; Unacceptable for an exception or traceback text."""
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    try:
        status = system.shell(out=out, err=err).run_script(line, source="mutants")
    except BaseException as exc:            # noqa: BLE001 - any escape is the finding
        raise Unacceptable(f"`{line}` raised {type(exc).__name__}: {exc}") from exc
    text = out.getvalue() + err.getvalue()
    for word in TRACEBACK_WORDS:
        if word in text:
            raise Unacceptable(f"`{line}` printed {word!r}:\n{text[-3000:]}")
    took = time.perf_counter() - started
    if took > MUTANT_SECONDS:
        raise Unacceptable(f"`{line}` took {took:.1f} s")
    return status, text


def check_still_usable(system, personality: Personality, arch: str) -> None:
    clean = FIXTURES / personality.name / arch / personality.clean
    status, text = command(system, personality.load.format(path=clean))
    if status != 0:
        raise Unacceptable(f"the clean {clean.name} no longer loads:\n{text[-2000:]}")
    status, text = command(system, personality.unload.format(name=personality.clean_name))
    if status != 0:
        raise Unacceptable(f"the clean {clean.name} does not unload:\n{text[-2000:]}")


def run(system_name: str, arch: str, start: int, budget: int, workdir: Path) -> dict[str, int]:
    """Mutants start .. start+budget-1 on one machine; outcome counts, or Unacceptable naming
    the mutant at the first that does what no input may."""
    personality = PERSONALITIES[system_name]
    system = boot(system_name, arch)
    outcomes = {"loaded": 0, "refused": 0}
    for k in range(start, start + budget):
        path, seed, edits = mutant(system_name, arch, k, workdir)
        try:
            status, _ = command(system, personality.load.format(path=path))
            outcomes["loaded" if status == 0 else "refused"] += 1
            if status == 0:             # whatever name it took: a new machine for the next
                system = boot(system_name, arch)
            else:
                check_still_usable(system, personality, arch)
        except Unacceptable as exc:
            raise Unacceptable(f"{system_name} {arch} mutant {k} of {seed.path.name}: "
                               f"{'; '.join(edits)}\n{exc}") from None
    return outcomes
