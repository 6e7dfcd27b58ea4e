"""The committed coverage fixtures are what tools/build_coverage_fixtures.py builds from
guest/coverage, with the compilers the manifest names (compared where they are installed)."""
from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from .covmod import BUILDS, FIXTURES, ROOT, fixture


def _builder():
    path = ROOT / "tools" / "build_coverage_fixtures.py"
    spec = importlib.util.spec_from_file_location("build_coverage_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_coverage_fixtures", module)
    spec.loader.exec_module(module)
    return module


def test_the_manifest_lists_every_build_with_its_sha256():
    import hashlib
    manifest = json.loads((FIXTURES / "MANIFEST.json").read_text())
    for arch, compiler, level in BUILDS:
        relpath = fixture(arch, compiler, level).relative_to(FIXTURES).as_posix()
        entry = manifest["files"][relpath]
        assert entry["sha256"] == hashlib.sha256(fixture(arch, compiler, level).read_bytes()).hexdigest()
        assert f"-O{level}" in entry["flags"] and "-g" in entry["flags"]


@pytest.mark.needs_tool
def test_rebuilding_gives_the_committed_bytes():
    builder = _builder()
    report = builder.check()
    if not report.matched and report.skipped:
        pytest.skip("; ".join(f"{name}: {why}" for name, why in report.skipped.items()))
    assert report.mismatched == []
