#!/usr/bin/env python3
"""Rebuild (or check) the committed coverage fixtures from their sources in guest/coverage.

    python3 tools/build_coverage_fixtures.py            # rebuild fixtures/coverage + MANIFEST.json
    python3 tools/build_coverage_fixtures.py --check    # rebuild into a temp dir, compare sha256

Every module in guest/coverage (covmod.c: a NetBSD LKM whose execution is known line by line)
is compiled for i386 and x86_64, with gcc and with clang, at -O0 and at -O2, always with -g,
into fixtures/coverage/<arch>/<compiler>/O<level>/<name>.o. The coverage tests compare what
kemu records against the marker comments in the source, for every one of those builds: the
line tables differ between compilers and optimisation levels, the ground truth does not.

The flags come from kemu.toolchain.cc, the table `kemu cc` uses. MANIFEST.json records for
each object its source, compiler, that compiler's version line, the flags and the sha256;
--check compares only objects whose compiler is installed at the recorded version and says
which it skipped and why. Exit status: 0 ok, 1 mismatch or build failure, 2 bad usage or a
required compiler missing.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tools"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from kemu.toolchain import cc  # noqa: E402  (needs ROOT on sys.path when run from a checkout)
from fixture_manifest import (CheckReport, ROOT_TOKEN, begin_check, compare,  # noqa: E402
                              find_compilers, manifest_document, print_report, recorded_by,
                              remove_stale, sha256_of, write_manifest)

TARGET = "netbsd-lkm"
GUEST_DIR = Path("guest/coverage")
FIXTURE_DIR = Path("fixtures/coverage")
OPT_LEVELS = ("0", "2")


class BuildFailure(Exception):
    """A fixture did not compile (or compiled with warnings)."""


@dataclass(frozen=True)
class Job:
    """One object to build: a source, a guest arch, a compiler, an optimisation level."""

    name: str          # source stem: "covmod"
    source: Path       # relative to ROOT
    arch: str
    compiler: str
    optimize: str

    @property
    def relpath(self) -> str:
        """Path inside the fixture directory, e.g. "i386/gcc/O0/covmod.o" (the file keeps the
        module's name: modload finds its entry point, covmod_lkmentry, from it)."""
        return f"{self.arch}/{self.compiler}/O{self.optimize}/{self.name}.o"


def plan(compilers: tuple[str, ...] = cc.COMPILERS) -> list[Job]:
    """Every fixture object, in a stable order."""
    sources = sorted((ROOT / GUEST_DIR).glob("*.c"))
    return [Job(src.stem, src.relative_to(ROOT), arch, compiler, level)
            for arch in cc.ARCHES for compiler in compilers for src in sources for level in OPT_LEVELS]


def _portable(argv: list[str]) -> list[str]:
    """Flags as recorded in the manifest: no compiler path, no -o, no checkout path."""
    flags = argv[1:]
    out_at = flags.index("-o")
    del flags[out_at:out_at + 2]
    return [f.replace(str(ROOT), ROOT_TOKEN) for f in flags]


def build_one(job: Job, out_dir: Path, compiler: cc.Compiler) -> dict:
    """Compile one job into out_dir; its manifest entry. BuildFailure on errors or warnings."""
    output = out_dir / job.relpath
    output.parent.mkdir(parents=True, exist_ok=True)
    request = cc.CompileRequest(target=TARGET, arch=job.arch, source=job.source, output=output,
                                debug=True, optimize=job.optimize)
    result = cc.compile_object(request, compiler, cwd=ROOT)
    if not result.ok:
        raise BuildFailure(f"{job.relpath}: {compiler.name} failed (exit {result.returncode}):\n{result.stderr}")
    if result.stderr.strip():
        raise BuildFailure(f"{job.relpath}: {compiler.name} warned; fixtures must build cleanly:\n{result.stderr}")
    return {"source": str(job.source), "arch": job.arch, "compiler": compiler.name,
            "compiler_version": compiler.version, "optimize": job.optimize,
            "flags": _portable(result.argv), "size": output.stat().st_size,
            "sha256": sha256_of(output)}


def build(jobs: list[Job], out_dir: Path, compilers: dict[str, cc.Compiler]) -> dict[str, dict]:
    """Build `jobs` into out_dir in parallel; entries keyed by relpath, in job order."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        entries = list(pool.map(lambda j: build_one(j, out_dir, compilers[j.compiler]), jobs))
    return {job.relpath: entry for job, entry in zip(jobs, entries)}


def check(compilers: tuple[str, ...] = cc.COMPILERS, fixture_dir: Path = ROOT / FIXTURE_DIR) -> CheckReport:
    """Rebuild with the compilers that can reproduce the manifest into a temporary directory,
    and compare each object's sha256 with the recorded one."""
    manifest, found, skipped = begin_check(fixture_dir, compilers)
    with tempfile.TemporaryDirectory(prefix="kemu-coverage-fixtures-") as tmp:
        entries = build(plan(tuple(found)), Path(tmp), found)
    unplanned = recorded_by(manifest, found) - set(entries)
    return compare(entries, manifest["files"], unplanned, skipped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="rebuild into a temporary directory and compare with MANIFEST.json")
    args = parser.parse_args(argv)
    try:
        if args.check:
            return print_report(check())
        found, missing = find_compilers(cc.COMPILERS)
        if missing:
            for reason in missing.values():
                print(f"build_coverage_fixtures: {reason}", file=sys.stderr)
            return 2
        out_dir = ROOT / FIXTURE_DIR
        entries = build(plan(), out_dir, found)
    except BuildFailure as exc:
        print(f"build_coverage_fixtures: {exc}", file=sys.stderr)
        return 1
    remove_stale(out_dir, out_dir.glob("*/*/*/*.o"), entries)
    path = write_manifest(out_dir, manifest_document(TARGET, "build_coverage_fixtures.py", found, entries))
    print(f"built {len(entries)} objects into {FIXTURE_DIR}; manifest {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
