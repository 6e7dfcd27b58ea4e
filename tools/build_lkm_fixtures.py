#!/usr/bin/env python3
"""Rebuild (or check) the committed NetBSD 1.6 LKM fixtures from their sources in guest/.

    python3 tools/build_lkm_fixtures.py            # rebuild fixtures/netbsd-lkm and MANIFEST.json
    python3 tools/build_lkm_fixtures.py --check    # rebuild into a temp dir, compare sha256

Every module in guest/netbsd-lkm (fibo/fibo.c and tests/*.c) is compiled for i386 and
x86_64 with gcc and with clang into fixtures/netbsd-lkm/<arch>/<compiler>/<name>.o; fibo and
nullread are also built with -g -O0 as <name>-g.o (DEBUG_BUILDS). The flags come from
kemu.toolchain.cc, the same table `kemu cc` uses, so fixtures and user builds agree.

MANIFEST.json records for each object its source, compiler and that compiler's version
line, the full flags and the sha256. --check only compares objects whose compiler is
installed at the recorded version (the code a compiler generates changes between
versions), and says which it skipped and why. Exit status: 0 ok, 1 mismatch or build
failure, 2 bad usage or a required compiler missing.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_manifest import (CheckReport, add_check_options, begin_check, compare,  # noqa: E402
                              find_compilers, load_manifest as read_manifest, print_report,
                              ROOT_TOKEN, manifest_document, recorded_by, remove_stale,
                              write_manifest as save_manifest)
from kemu.toolchain import cc  # noqa: E402  (needs ROOT on sys.path when run from a checkout)

TARGET = "netbsd-lkm"
GUEST_DIR = Path("guest/netbsd-lkm")
FIXTURE_DIR = Path("fixtures/netbsd-lkm")
#: Modules also built with -g -O0 as <name>-g.o: fibo for the source-level debugger,
#: nullread for oops reports that name the faulting source line.
DEBUG_BUILDS = ("fibo", "nullread")


@dataclass(frozen=True)
class Job:
    """One object to build: a source, a guest arch, a compiler and build options."""

    name: str          # object file stem: "fibo", "fibo-g", "echodev", ...
    source: Path       # relative to ROOT
    arch: str
    compiler: str
    debug: bool = False
    optimize: str = "2"

    @property
    def relpath(self) -> str:
        """Path of the object inside the fixture directory, e.g. "i386/gcc/fibo.o"."""
        return f"{self.arch}/{self.compiler}/{self.name}.o"


def sources() -> list[tuple[str, Path]]:
    """(name, source) of every guest module: the fibo driver and each test module."""
    found = [("fibo", GUEST_DIR / "fibo" / "fibo.c")]
    found += [(p.stem, p.relative_to(ROOT)) for p in sorted((ROOT / GUEST_DIR / "tests").glob("*.c"))]
    return found


def plan(compilers: tuple[str, ...] = cc.COMPILERS) -> list[Job]:
    """Every fixture object, in a stable order."""
    jobs = []
    for arch in cc.ARCHES:
        for compiler in compilers:
            for name, source in sources():
                jobs.append(Job(name, source, arch, compiler))
                if name in DEBUG_BUILDS:
                    jobs.append(Job(f"{name}-g", source, arch, compiler, debug=True, optimize="0"))
    return jobs


def _portable(argv: list[str]) -> list[str]:
    """Flags as recorded in the manifest: no compiler path, no -o, no checkout path."""
    flags = argv[1:]
    out_at = flags.index("-o")
    del flags[out_at:out_at + 2]
    return [f.replace(str(ROOT), ROOT_TOKEN) for f in flags]


def build_one(job: Job, out_dir: Path, compiler: cc.Compiler) -> dict:
    """Compile one job into out_dir; returns its manifest entry. Raises on failure."""
    output = out_dir / job.relpath
    output.parent.mkdir(parents=True, exist_ok=True)
    request = cc.CompileRequest(
        target=TARGET, arch=job.arch, source=job.source, output=output,
        debug=job.debug, optimize=job.optimize,
    )
    result = cc.compile_object(request, compiler, cwd=ROOT)
    if not result.ok:
        raise BuildFailure(f"{job.relpath}: {compiler.name} failed (exit {result.returncode}):\n{result.stderr}")
    if result.stderr.strip():
        raise BuildFailure(f"{job.relpath}: {compiler.name} warned; fixtures must build cleanly:\n{result.stderr}")
    data = output.read_bytes()
    return {
        "source": str(job.source),
        "arch": job.arch,
        "compiler": compiler.name,
        "compiler_version": compiler.version,
        "flags": _portable(result.argv),
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


class BuildFailure(Exception):
    """A fixture did not compile (or compiled with warnings)."""


def build(jobs: list[Job], out_dir: Path, compilers: dict[str, cc.Compiler]) -> dict[str, dict]:
    """Build `jobs` into out_dir in parallel; entries keyed by relpath, in job order."""
    with ThreadPoolExecutor() as pool:
        entries = list(pool.map(lambda j: build_one(j, out_dir, compilers[j.compiler]), jobs))
    return {job.relpath: entry for job, entry in zip(jobs, entries)}


def write_manifest(out_dir: Path, entries: dict[str, dict], compilers: dict[str, cc.Compiler]) -> Path:
    return save_manifest(out_dir, manifest_document(TARGET, "build_lkm_fixtures.py", compilers, entries))


def load_manifest(fixture_dir: Path = ROOT / FIXTURE_DIR) -> dict:
    return read_manifest(fixture_dir)


def check(compilers: tuple[str, ...] = cc.COMPILERS, fixture_dir: Path = ROOT / FIXTURE_DIR) -> CheckReport:
    """Rebuild into a temporary directory and compare sha256 with the manifest."""
    manifest, found, skipped = begin_check(fixture_dir, compilers)
    jobs = [j for j in plan(tuple(found)) if j.relpath in manifest["files"]]
    expected = recorded_by(manifest, found)
    with tempfile.TemporaryDirectory(prefix="kemu-lkm-fixtures-") as tmp:
        entries = build(jobs, Path(tmp), found)
    return compare(entries, manifest["files"], expected - {j.relpath for j in jobs}, skipped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_check_options(parser)
    args = parser.parse_args(argv)
    names = tuple(args.compiler) if args.compiler else cc.COMPILERS

    if args.check:
        try:
            report = check(names)
        except BuildFailure as exc:
            print(f"build_lkm_fixtures: {exc}", file=sys.stderr)
            return 1
        return print_report(report)

    if args.compiler:
        parser.error("--compiler only applies to --check (a rebuild regenerates every fixture)")
    found, missing = find_compilers(cc.COMPILERS)
    if missing:
        for reason in missing.values():
            print(f"build_lkm_fixtures: {reason}", file=sys.stderr)
        return 2
    out_dir = ROOT / FIXTURE_DIR
    jobs = plan()
    try:
        entries = build(jobs, out_dir, found)
    except BuildFailure as exc:
        print(f"build_lkm_fixtures: {exc}", file=sys.stderr)
        return 1
    remove_stale(out_dir, out_dir.glob("*/*/*.o"), entries)
    path = write_manifest(out_dir, entries, found)
    print(f"built {len(entries)} objects into {out_dir.relative_to(ROOT)}; manifest {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
