#!/usr/bin/env python3
"""Rebuild (or check) the committed NetBSD 10 module(9) fixtures from their sources in guest/.

    python3 tools/build_netbsd_fixtures.py            # rebuild fixtures/netbsd and MANIFEST.json
    python3 tools/build_netbsd_fixtures.py --check    # rebuild into a temp dir, compare sha256

Every module in guest/netbsd/modules/NAME/NAME.c is built for i386 and x86_64 with gcc and
with clang by `kemu cc --target netbsd` (compile with the kmod flags, link with `ld -r` and
the kmodule script) into fixtures/netbsd/<arch>/<compiler>/NAME/NAME.kmod, and a NAME.plist
beside the source is copied beside the .kmod: each <arch>/<compiler> directory is laid out as
NetBSD's module directory (/stand/<arch>/<release>/modules) is, so it can stand for it. fibo is
also built with -g -O0 as fibo/fibo-g.kmod for the source-level debugger.

MANIFEST.json records for each file its source, compiler and version line, the compile flags,
the link command, the linker's version, its size and sha256 (a .plist: its source and sha256).
--check only compares what was built by a compiler and linker installed at the recorded
versions (the bytes they produce change between versions) and says what it skipped and why.
Exit status: 0 ok, 1 mismatch or build failure, 2 bad usage or a required tool missing.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
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
from kemu.toolchain import cc, netbsd_kmod  # noqa: E402  (needs ROOT on sys.path from a checkout)

TARGET = netbsd_kmod.NAME
GUEST_DIR = Path("guest/netbsd/modules")
FIXTURE_DIR = Path("fixtures/netbsd")


@dataclass(frozen=True)
class Job:
    """One .kmod to build: a module, a guest arch, a compiler and build options."""

    module: str        # module name: the directory and the MODULE() name
    stem: str          # output file stem: the module name, or "fibo-g"
    source: Path       # relative to ROOT
    arch: str
    compiler: str
    debug: bool = False
    optimize: str = "2"

    @property
    def relpath(self) -> str:
        """Path inside the fixture directory, e.g. "i386/gcc/fibo/fibo.kmod"."""
        return f"{self.arch}/{self.compiler}/{self.module}/{self.stem}.kmod"


def modules() -> list[tuple[str, Path]]:
    """(name, source) of every guest module, by name."""
    found = []
    for directory in sorted((ROOT / GUEST_DIR).iterdir()):
        source = directory / f"{directory.name}.c"
        if source.is_file():
            found.append((directory.name, source.relative_to(ROOT)))
    return found


def plists() -> list[tuple[str, Path]]:
    """(module name, plist source) of every module shipping a NAME.plist."""
    return [(name, src.with_suffix(".plist")) for name, src in modules() if (ROOT / src.with_suffix(".plist")).is_file()]


def plan(compilers: tuple[str, ...] = cc.COMPILERS) -> list[Job]:
    """Every fixture .kmod, in a stable order."""
    jobs = []
    for arch in cc.ARCHES:
        for compiler in compilers:
            for name, source in modules():
                jobs.append(Job(name, name, source, arch, compiler))
                if name == "fibo":
                    jobs.append(Job(name, "fibo-g", source, arch, compiler, debug=True, optimize="0"))
    return jobs


def plist_relpaths(compilers: tuple[str, ...] = cc.COMPILERS) -> dict[str, Path]:
    """Fixture path of every copied .plist -> its source."""
    return {f"{arch}/{compiler}/{name}/{name}.plist": src
            for arch in cc.ARCHES for compiler in compilers for name, src in plists()}


def linker_version() -> str:
    """First line of `ld --version` (the .kmod bytes depend on it too)."""
    ld = netbsd_kmod.find_linker()
    return subprocess.run([ld, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]


def _portable(argv: list[str]) -> list[str]:
    """Compile flags as recorded in the manifest: no compiler path, no -o, no checkout path."""
    flags = argv[1:]
    out_at = flags.index("-o")
    del flags[out_at:out_at + 2]
    return [f.replace(str(ROOT), ROOT_TOKEN) for f in flags]


class BuildFailure(Exception):
    """A fixture did not build (or built with warnings)."""


def build_one(job: Job, out_dir: Path, compiler: cc.Compiler, ld_version: str) -> dict:
    """Build one job into out_dir; returns its manifest entry. Raises BuildFailure."""
    output = out_dir / job.relpath
    output.parent.mkdir(parents=True, exist_ok=True)
    request = cc.CompileRequest(target=TARGET, arch=job.arch, source=job.source, output=output,
                                debug=job.debug, optimize=job.optimize)
    result = cc.compile_object(request, compiler, cwd=ROOT)
    if not result.ok:
        raise BuildFailure(f"{job.relpath}: build failed (exit {result.returncode}):\n{result.stderr}")
    if result.stderr.strip():
        raise BuildFailure(f"{job.relpath}: warnings; fixtures must build cleanly:\n{result.stderr}")
    data = output.read_bytes()
    return {
        "module": job.module,
        "source": str(job.source),
        "arch": job.arch,
        "compiler": compiler.name,
        "compiler_version": compiler.version,
        "flags": _portable(result.argv),
        "link": ["ld", "-r", "-m", netbsd_kmod.LD_EMULATION[job.arch], "-T", "kmodule", "-d"],
        "linker_version": ld_version,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def copy_plist(relpath: str, source: Path, out_dir: Path) -> dict:
    """Copy a module's .plist beside its .kmod; returns its manifest entry."""
    target = out_dir / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / source, target)
    data = target.read_bytes()
    return {"source": str(source), "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def build(jobs: list[Job], out_dir: Path, compilers: dict[str, cc.Compiler], ld_version: str) -> dict[str, dict]:
    """Build `jobs` into out_dir in parallel; entries keyed by relpath, in job order."""
    with ThreadPoolExecutor() as pool:
        entries = list(pool.map(lambda j: build_one(j, out_dir, compilers[j.compiler], ld_version), jobs))
    return {job.relpath: entry for job, entry in zip(jobs, entries)}


def write_manifest(out_dir: Path, entries: dict[str, dict], compilers: dict[str, cc.Compiler],
                   ld_version: str) -> Path:
    return save_manifest(out_dir, manifest_document(TARGET, "build_netbsd_fixtures.py", compilers, entries,
                                                    linker=ld_version))


def load_manifest(fixture_dir: Path = ROOT / FIXTURE_DIR) -> dict:
    return read_manifest(fixture_dir)


def check(compilers: tuple[str, ...] = cc.COMPILERS, fixture_dir: Path = ROOT / FIXTURE_DIR) -> CheckReport:
    """Rebuild into a temporary directory and compare sha256 with the manifest."""
    manifest, found, skipped = begin_check(fixture_dir, compilers)
    ld_version = linker_version()
    if ld_version != manifest["linker"]:
        skipped["ld"] = f"fixtures were linked by {manifest['linker']!r}, installed ld is {ld_version!r}"
        found = {}
    jobs = [j for j in plan(tuple(found)) if j.relpath in manifest["files"]]
    plist_jobs = plist_relpaths(tuple(found))
    expected = recorded_by(manifest, found)
    with tempfile.TemporaryDirectory(prefix="kemu-netbsd-fixtures-") as tmp:
        entries = build(jobs, Path(tmp), found, ld_version)
        entries.update({rel: copy_plist(rel, src, Path(tmp)) for rel, src in plist_jobs.items()})
    return compare(entries, manifest["files"], expected - {j.relpath for j in jobs}, skipped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_check_options(parser)
    args = parser.parse_args(argv)
    names = tuple(args.compiler) if args.compiler else cc.COMPILERS

    try:
        if args.check:
            report = check(names)
            return print_report(report)

        if args.compiler:
            parser.error("--compiler only applies to --check (a rebuild regenerates every fixture)")
        found, missing = find_compilers(cc.COMPILERS)
        if missing:
            for reason in missing.values():
                print(f"build_netbsd_fixtures: {reason}", file=sys.stderr)
            return 2
        ld_version = linker_version()
        out_dir = ROOT / FIXTURE_DIR
        entries = build(plan(), out_dir, found, ld_version)
        entries.update({rel: copy_plist(rel, src, out_dir) for rel, src in plist_relpaths().items()})
    except cc.ToolchainError as exc:
        print(f"build_netbsd_fixtures: {exc}", file=sys.stderr)
        return 2
    except BuildFailure as exc:
        print(f"build_netbsd_fixtures: {exc}", file=sys.stderr)
        return 1
    remove_stale(out_dir, (p for p in out_dir.glob("*/*/*/*") if p.is_file()), entries)
    path = write_manifest(out_dir, entries, found, ld_version)
    print(f"built {len(entries)} files into {out_dir.relative_to(ROOT)}; manifest {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
