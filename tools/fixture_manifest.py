"""What the fixture builders (tools/build_{lkm,freebsd,netbsd,linux}_fixtures.py) share: the
MANIFEST.json beside each fixture tree, the sha256 of each built file, finding the compilers,
and --check's comparison of a rebuild with the manifest and its report.

Not a package: a builder puts tools/ on sys.path and imports this file by name, so it works the
same run as a script (`python3 tools/build_x.py`) and loaded by a test from its path.
"""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kemu.toolchain import cc  # noqa: E402  (needs ROOT on sys.path from a checkout)

MANIFEST = "MANIFEST.json"
ROOT_TOKEN = "${KEMU_ROOT}"      # stands for the checkout's path in recorded commands


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_compilers(names: Iterable[str]) -> tuple[dict[str, cc.Compiler], dict[str, str]]:
    """Installed compilers among `names`, and the reason each missing one is missing."""
    found, missing = {}, {}
    for name in names:
        try:
            found[name] = cc.Compiler.find(name)
        except cc.ToolchainError as exc:
            missing[name] = str(exc)
    return found, missing


def drop_other_versions(found: dict[str, cc.Compiler], recorded: dict[str, str],
                        skipped: dict[str, str]) -> None:
    """Remove from `found` each compiler whose version is not the manifest's, saying why in
    `skipped`: a different version generates different bytes, so nothing would match."""
    for name, compiler in list(found.items()):
        if recorded.get(name) != compiler.version:
            skipped[name] = (f"fixtures were built with {recorded.get(name)!r}, "
                             f"installed {name} is {compiler.version!r}")
            del found[name]


def begin_check(fixture_dir: Path, compilers: Iterable[str]) -> tuple[dict, dict[str, cc.Compiler], dict[str, str]]:
    """--check's start: (the manifest, the compilers that can reproduce it, why others cannot)."""
    manifest = load_manifest(fixture_dir)
    found, skipped = find_compilers(compilers)
    drop_other_versions(found, manifest["compilers"], skipped)
    return manifest, found, skipped


def recorded_by(manifest: dict, compilers: Iterable[str]) -> set[str]:
    """The manifest's files built by one of `compilers`."""
    names = set(compilers)
    return {f for f, e in manifest["files"].items() if e.get("compiler") in names}


def add_check_options(parser) -> None:
    """--check and --compiler, as every builder takes them."""
    parser.add_argument("--check", action="store_true",
                        help="rebuild into a temporary directory and compare with MANIFEST.json")
    parser.add_argument("--compiler", action="append", choices=cc.COMPILERS,
                        help="with --check: only this compiler (repeatable)")


def load_manifest(fixture_dir: Path) -> dict:
    return json.loads((fixture_dir / MANIFEST).read_text())


def manifest_document(target: str, script: str, compilers: dict[str, cc.Compiler], files: dict[str, dict],
                      **fields) -> dict:
    """A MANIFEST.json's contents: what built it and how to rebuild, the compilers' version
    lines, the builder's own `fields` (linker, release …), then every file's entry."""
    return {"target": target, "generator": f"tools/{script}", "rebuild": f"python3 tools/{script}",
            "root_token": ROOT_TOKEN, "compilers": {name: c.version for name, c in sorted(compilers.items())},
            **fields, "files": files}


def write_manifest(out_dir: Path, manifest: dict) -> Path:
    path = out_dir / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


@dataclass
class CheckReport:
    """Outcome of --check: files that matched, differed, or could not be compared."""

    matched: list[str]
    mismatched: list[str]
    skipped: dict[str, str]     # compiler (or linker) -> reason

    @property
    def ok(self) -> bool:
        return not self.mismatched


def compare(entries: dict[str, dict], recorded_files: dict[str, dict], unplanned: Iterable[str],
            skipped: dict[str, str]) -> CheckReport:
    """Each rebuilt entry's sha256 against the manifest's; `unplanned` were recorded but are no
    longer built (a mismatch too)."""
    matched, mismatched = [], []
    for relpath, entry in entries.items():
        want = recorded_files.get(relpath, {}).get("sha256")
        (matched if entry["sha256"] == want else mismatched).append(relpath)
    mismatched += [f"{p} (in manifest, no longer built)" for p in sorted(unplanned)]
    return CheckReport(matched=matched, mismatched=mismatched, skipped=skipped)


def print_report(report: CheckReport) -> int:
    """Print --check's lines; the exit status (0 all matched, 1 a mismatch)."""
    for name, reason in sorted(report.skipped.items()):
        print(f"skipped {name}: {reason}")
    for relpath in report.mismatched:
        print(f"MISMATCH {relpath}")
    print(f"{len(report.matched)} matched, {len(report.mismatched)} mismatched")
    return 0 if report.ok else 1


def remove_stale(out_dir: Path, on_disk: Iterable[Path], built: Iterable[str]) -> None:
    """Delete fixture files a rebuild no longer makes, naming each."""
    stale = {p.relative_to(out_dir).as_posix() for p in on_disk} - set(built)
    for relpath in sorted(stale):
        (out_dir / relpath).unlink()
        print(f"removed stale {relpath}")
