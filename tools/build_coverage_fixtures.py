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
GUEST_DIR = Path("guest/coverage")
FIXTURE_DIR = Path("fixtures/coverage")
MANIFEST = "MANIFEST.json"
ROOT_TOKEN = "${KEMU_ROOT}"
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
    data = output.read_bytes()
    return {"source": str(job.source), "arch": job.arch, "compiler": compiler.name,
            "compiler_version": compiler.version, "optimize": job.optimize,
            "flags": _portable(result.argv), "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def build(jobs: list[Job], out_dir: Path, compilers: dict[str, cc.Compiler]) -> dict[str, dict]:
    """Build `jobs` into out_dir in parallel; entries keyed by relpath, in job order."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        entries = list(pool.map(lambda j: build_one(j, out_dir, compilers[j.compiler]), jobs))
    return {job.relpath: entry for job, entry in zip(jobs, entries)}


def find_compilers(names: tuple[str, ...]) -> tuple[dict[str, cc.Compiler], dict[str, str]]:
    """Installed compilers among `names`, and why each missing one is missing."""
    found, missing = {}, {}
    for name in names:
        try:
            found[name] = cc.Compiler.find(name)
        except cc.ToolchainError as exc:
            missing[name] = str(exc)
    return found, missing


def load_manifest(fixture_dir: Path = ROOT / FIXTURE_DIR) -> dict:
    return json.loads((fixture_dir / MANIFEST).read_text())


def check(compilers: tuple[str, ...] = cc.COMPILERS,
          fixture_dir: Path = ROOT / FIXTURE_DIR) -> tuple[list[str], list[str], dict[str, str]]:
    """Rebuild into a temporary directory: (matched, mismatched, skipped compiler -> reason)."""
    manifest = load_manifest(fixture_dir)
    found, skipped = find_compilers(compilers)
    for name, compiler in list(found.items()):
        recorded = manifest["compilers"].get(name)
        if recorded != compiler.version:
            skipped[name] = f"fixtures were built with {recorded!r}, installed {name} is {compiler.version!r}"
            del found[name]
    jobs = plan(tuple(found))
    with tempfile.TemporaryDirectory(prefix="kemu-coverage-fixtures-") as tmp:
        entries = build(jobs, Path(tmp), found)
    matched, mismatched = [], []
    for relpath, entry in entries.items():
        want = manifest["files"].get(relpath, {}).get("sha256")
        (matched if entry["sha256"] == want else mismatched).append(relpath)
    expected = {f for f, e in manifest["files"].items() if e["compiler"] in found}
    mismatched += [f"{p} (in manifest, no longer built)" for p in sorted(expected - set(entries))]
    return matched, mismatched, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="rebuild into a temporary directory and compare with MANIFEST.json")
    args = parser.parse_args(argv)
    try:
        if args.check:
            matched, mismatched, skipped = check()
            for name, reason in sorted(skipped.items()):
                print(f"skipped {name}: {reason}")
            for relpath in mismatched:
                print(f"MISMATCH {relpath}")
            print(f"{len(matched)} matched, {len(mismatched)} mismatched")
            return 1 if mismatched else 0
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
    for stale in sorted({p.relative_to(out_dir).as_posix() for p in out_dir.glob("*/*/*/*.o")} - set(entries)):
        (out_dir / stale).unlink()
        print(f"removed stale {stale}")
    manifest = {"target": TARGET, "generator": "tools/build_coverage_fixtures.py",
                "rebuild": "python3 tools/build_coverage_fixtures.py", "root_token": ROOT_TOKEN,
                "compilers": {name: c.version for name, c in sorted(found.items())}, "files": entries}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"built {len(entries)} objects into {FIXTURE_DIR}; manifest {FIXTURE_DIR / MANIFEST}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
