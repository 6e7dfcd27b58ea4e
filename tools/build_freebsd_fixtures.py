#!/usr/bin/env python3
"""Rebuild (or check) the committed FreeBSD 14.3 kld fixtures from their sources in guest/.

    python3 tools/build_freebsd_fixtures.py            # rebuild fixtures/freebsd and MANIFEST.json
    python3 tools/build_freebsd_fixtures.py --check    # rebuild into a temp dir, compare sha256
    python3 tools/build_freebsd_fixtures.py --layouts  # re-measure guest/freebsd/layout/layouts.json

Every module directory in guest/freebsd (one with a Makefile: KMOD, SRCS and optional
EXPORT_SYMS, read as bsd.kmod.mk reads them) is built for i386 and x86_64 with gcc and with
clang into fixtures/freebsd/<arch>/<compiler>/<KMOD>.ko; fibo is also built with -g -O0 as
fibo-g.ko for the source-level debugger. The build is kemu.toolchain.freebsd_kmod's, the same
`kemu cc --target freebsd` runs, so fixtures and user builds agree.

MANIFEST.json records for each .ko its sources, EXPORT_SYMS, compiler and that compiler's
version line, the linker's version line, every command of the build (paths made portable)
and the sha256. --check only compares files whose compiler and linker are installed at the
recorded versions (the code they generate changes between versions) and says which it
skipped and why.

--layouts re-measures guest/freebsd/layout/layouts.json (kemu.toolchain.freebsd_layouts:
the struct layouts and constants the FreeBSD personality shares with klds, compiled from
the SDK headers); tests/freebsd/test_layouts.py checks that file against both compilers. Exit status: 0 ok, 1 mismatch or build failure, 2 bad usage or a required
tool missing.
"""
from __future__ import annotations

import argparse
import hashlib
import re
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
from kemu.toolchain import cc, freebsd_kmod, freebsd_layouts  # noqa: E402  (needs ROOT on sys.path)

GUEST_DIR = Path("guest/freebsd")
FIXTURE_DIR = Path("fixtures/freebsd")
TMP_TOKEN = "${TMPDIR}"
ARCHES = ("i386", "x86_64")
DEBUG_BUILDS = ("fibo",)        # also built -g -O0 as <name>-g.ko

@dataclass(frozen=True)
class Module:
    """A guest kld as its Makefile describes it."""

    name: str                     # KMOD
    directory: Path               # relative to ROOT
    sources: tuple[Path, ...]     # relative to ROOT
    export_syms: str | tuple[str, ...]


@dataclass(frozen=True)
class Job:
    """One .ko to build: a module, a guest arch, a compiler and build options."""

    module: Module
    arch: str
    compiler: str
    debug: bool = False

    @property
    def stem(self) -> str:
        return self.module.name + ("-g" if self.debug else "")

    @property
    def relpath(self) -> str:
        """Path of the kld inside the fixture directory, e.g. "i386/gcc/fibo.ko"."""
        return f"{self.arch}/{self.compiler}/{self.stem}.ko"


class BuildFailure(Exception):
    """A fixture did not build (or built with warnings), or a Makefile is not understood."""


def read_makefile(path: Path) -> dict[str, str]:
    """The `NAME= value' assignments of a kld Makefile (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    values = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Z_]+)\s*\??=\s*(.*?)\s*$", line)
        if m:
            values[m.group(1)] = m.group(2)
    return values


def modules() -> list[Module]:
    """Every guest kld, in name order."""
    found = []
    for makefile in sorted((ROOT / GUEST_DIR).glob("*/Makefile")):
        values = read_makefile(makefile)
        where = makefile.relative_to(ROOT)
        if "KMOD" not in values or "SRCS" not in values:
            raise BuildFailure(f"{where}: a kld Makefile needs KMOD= and SRCS=")
        directory = makefile.parent.relative_to(ROOT)
        sources = tuple(directory / s for s in values["SRCS"].split() if not s.endswith(".h"))
        exports = values.get("EXPORT_SYMS", "NO")
        export_syms: str | tuple[str, ...] = exports if exports in ("NO", "YES") else tuple(exports.split())
        found.append(Module(values["KMOD"], directory, sources, export_syms))
    return sorted(found, key=lambda m: m.name)


def plan(compilers: tuple[str, ...] = cc.COMPILERS) -> list[Job]:
    """Every fixture kld, in a stable order."""
    jobs = []
    for arch in ARCHES:
        for compiler in compilers:
            for module in modules():
                jobs.append(Job(module, arch, compiler))
                if module.name in DEBUG_BUILDS:
                    jobs.append(Job(module, arch, compiler, debug=True))
    return jobs


def _portable(argv: list[str], tmp: str) -> list[str]:
    """A command as the manifest records it: tools by name, no checkout or temp paths."""
    out = [Path(argv[0]).name]
    for arg in argv[1:]:
        out.append(arg.replace(str(ROOT), ROOT_TOKEN).replace(tmp, TMP_TOKEN))
    return out


def linker_version() -> str:
    """The first line of `ld.lld --version' (the linker is part of what makes the bytes)."""
    lld = shutil.which("ld.lld")
    if lld is None:
        raise BuildFailure("ld.lld not found on PATH; install the Debian package lld")
    done = subprocess.run([lld, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.splitlines()[0].strip() if done.stdout else "unknown"


def build_one(job: Job, out_dir: Path, compiler: cc.Compiler) -> dict:
    """Build one kld into out_dir; returns its manifest entry. Raises BuildFailure on failure."""
    output = out_dir / job.relpath
    output.parent.mkdir(parents=True, exist_ok=True)
    request = freebsd_kmod.KmodRequest(
        arch=job.arch, sources=job.module.sources, output=output, debug=job.debug,
        optimize="0" if job.debug else "2", export_syms=job.module.export_syms,
    )
    result = freebsd_kmod.build_kmod(request, compiler, cwd=ROOT)
    if not result.ok:
        raise BuildFailure(f"{job.relpath}: build failed (exit {result.returncode}):\n{result.stderr}")
    if result.stderr.strip():
        raise BuildFailure(f"{job.relpath}: the build warned; fixtures must build cleanly:\n{result.stderr}")
    data = output.read_bytes()
    tmp = str(Path(result.commands[0][result.commands[0].index("-o") + 1]).parent)
    return {
        "module": job.module.name,
        "sources": [str(s) for s in job.module.sources],
        "export_syms": job.module.export_syms if isinstance(job.module.export_syms, str)
        else list(job.module.export_syms),
        "arch": job.arch,
        "compiler": compiler.name,
        "compiler_version": compiler.version,
        "commands": [_portable(c, tmp) for c in result.commands],
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def build(jobs: list[Job], out_dir: Path, compilers: dict[str, cc.Compiler]) -> dict[str, dict]:
    """Build `jobs` into out_dir in parallel; entries keyed by relpath, in job order."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        entries = list(pool.map(lambda j: build_one(j, out_dir, compilers[j.compiler]), jobs))
    return {job.relpath: entry for job, entry in zip(jobs, entries)}


def write_manifest(out_dir: Path, entries: dict[str, dict], compilers: dict[str, cc.Compiler]) -> Path:
    return save_manifest(out_dir, manifest_document(
        "freebsd", "build_freebsd_fixtures.py", compilers, entries, release=freebsd_kmod.RELEASE,
        freebsd_version=freebsd_kmod.FREEBSD_VERSION, tmp_token=TMP_TOKEN, linker=linker_version()))


def load_manifest(fixture_dir: Path = ROOT / FIXTURE_DIR) -> dict:
    return read_manifest(fixture_dir)


def check(compilers: tuple[str, ...] = cc.COMPILERS, fixture_dir: Path = ROOT / FIXTURE_DIR) -> CheckReport:
    """Rebuild into a temporary directory and compare sha256 with the manifest."""
    manifest, found, skipped = begin_check(fixture_dir, compilers)
    linker = linker_version()
    if linker != manifest["linker"]:
        return CheckReport([], [], {"linker": f"fixtures were linked by {manifest['linker']!r}, "
                                              f"installed ld.lld is {linker!r}"})
    jobs = [j for j in plan(tuple(found)) if j.relpath in manifest["files"]]
    expected = recorded_by(manifest, found)
    with tempfile.TemporaryDirectory(prefix="kemu-freebsd-fixtures-") as tmp:
        entries = build(jobs, Path(tmp), found)
    return compare(entries, manifest["files"], expected - {j.relpath for j in jobs}, skipped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_check_options(parser)
    parser.add_argument("--layouts", action="store_true",
                        help="re-measure the shared struct layouts into guest/freebsd/layout/layouts.json")
    args = parser.parse_args(argv)
    names = tuple(args.compiler) if args.compiler else cc.COMPILERS

    try:
        if args.layouts:
            path = freebsd_layouts.write_layouts(cc.Compiler.find("clang"))
            print(f"wrote {path.relative_to(ROOT)}")
            return 0
        if args.check:
            report = check(names)
            return print_report(report)

        if args.compiler:
            parser.error("--compiler only applies to --check (a rebuild regenerates every fixture)")
        found, missing = find_compilers(cc.COMPILERS)
        if missing:
            for reason in missing.values():
                print(f"build_freebsd_fixtures: {reason}", file=sys.stderr)
            return 2
        out_dir = ROOT / FIXTURE_DIR
        entries = build(plan(), out_dir, found)
        remove_stale(out_dir, out_dir.glob("*/*/*.ko"), entries)
        path = write_manifest(out_dir, entries, found)
    except (BuildFailure, cc.ToolchainError) as exc:
        print(f"build_freebsd_fixtures: {exc}", file=sys.stderr)
        return 1
    print(f"built {len(entries)} klds into {out_dir.relative_to(ROOT)}; manifest {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
