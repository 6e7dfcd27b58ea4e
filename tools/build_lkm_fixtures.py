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
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kemu.toolchain import cc  # noqa: E402  (needs ROOT on sys.path when run from a checkout)

TARGET = "netbsd-lkm"
GUEST_DIR = Path("guest/netbsd-lkm")
FIXTURE_DIR = Path("fixtures/netbsd-lkm")
MANIFEST = "MANIFEST.json"
ROOT_TOKEN = "${KEMU_ROOT}"
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


def find_compilers(names: tuple[str, ...]) -> tuple[dict[str, cc.Compiler], dict[str, str]]:
    """Installed compilers among `names`, and the reason each missing one is missing."""
    found, missing = {}, {}
    for name in names:
        try:
            found[name] = cc.Compiler.find(name)
        except cc.ToolchainError as exc:
            missing[name] = str(exc)
    return found, missing


def write_manifest(out_dir: Path, entries: dict[str, dict], compilers: dict[str, cc.Compiler]) -> Path:
    manifest = {
        "target": TARGET,
        "generator": "tools/build_lkm_fixtures.py",
        "rebuild": "python3 tools/build_lkm_fixtures.py",
        "root_token": ROOT_TOKEN,
        "compilers": {name: c.version for name, c in sorted(compilers.items())},
        "files": entries,
    }
    path = out_dir / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    return path


def load_manifest(fixture_dir: Path = ROOT / FIXTURE_DIR) -> dict:
    return json.loads((fixture_dir / MANIFEST).read_text())


@dataclass
class CheckReport:
    """Outcome of --check: objects that matched, differed, or could not be compared."""

    matched: list[str]
    mismatched: list[str]
    skipped: dict[str, str]     # compiler -> reason

    @property
    def ok(self) -> bool:
        return not self.mismatched


def check(compilers: tuple[str, ...] = cc.COMPILERS, fixture_dir: Path = ROOT / FIXTURE_DIR) -> CheckReport:
    """Rebuild into a temporary directory and compare sha256 with the manifest."""
    manifest = load_manifest(fixture_dir)
    found, missing = find_compilers(compilers)
    skipped = dict(missing)
    for name, compiler in list(found.items()):
        recorded = manifest["compilers"].get(name)
        if recorded != compiler.version:
            skipped[name] = f"fixtures were built with {recorded!r}, installed {name} is {compiler.version!r}"
            del found[name]
    jobs = [j for j in plan(tuple(found)) if j.relpath in manifest["files"]]
    expected = set(f for f, e in manifest["files"].items() if e["compiler"] in found)
    unplanned = sorted(expected - {j.relpath for j in jobs})
    with tempfile.TemporaryDirectory(prefix="kemu-lkm-fixtures-") as tmp:
        entries = build(jobs, Path(tmp), found)
    matched, mismatched = [], []
    for relpath, entry in entries.items():
        want = manifest["files"][relpath]["sha256"]
        (matched if entry["sha256"] == want else mismatched).append(relpath)
    mismatched += [f"{p} (in manifest, no longer built)" for p in unplanned]
    return CheckReport(matched=matched, mismatched=mismatched, skipped=skipped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="rebuild into a temporary directory and compare with MANIFEST.json")
    parser.add_argument("--compiler", action="append", choices=cc.COMPILERS,
                        help="with --check: only this compiler (repeatable)")
    args = parser.parse_args(argv)
    names = tuple(args.compiler) if args.compiler else cc.COMPILERS

    if args.check:
        try:
            report = check(names)
        except BuildFailure as exc:
            print(f"build_lkm_fixtures: {exc}", file=sys.stderr)
            return 1
        for name, reason in sorted(report.skipped.items()):
            print(f"skipped {name}: {reason}")
        for relpath in report.mismatched:
            print(f"MISMATCH {relpath}")
        print(f"{len(report.matched)} matched, {len(report.mismatched)} mismatched")
        return 0 if report.ok else 1

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
    stale = {p.relative_to(out_dir).as_posix() for p in out_dir.glob("*/*/*.o")} - set(entries)
    for relpath in sorted(stale):
        (out_dir / relpath).unlink()
        print(f"removed stale {relpath}")
    path = write_manifest(out_dir, entries, found)
    print(f"built {len(entries)} objects into {out_dir.relative_to(ROOT)}; manifest {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
