"""The committed relocation fixtures are exactly what their sources and the recorded tools
produce (tools/build_reloc_fixtures.py --check rebuilds them and compares sha256)."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from .conftest import require
from .manifest import MANIFEST, ROOT, fixtures


def test_manifest_hashes_match_the_committed_objects():
    data = json.loads(MANIFEST.read_text())
    assert data["tools"].keys() >= {"as", "gcc", "clang"}
    for f in fixtures():
        entry = data["objects"][f.rel]
        assert hashlib.sha256(f.path.read_bytes()).hexdigest() == entry["sha256"], f.rel
        assert entry["command"].split()[0] == entry["tool"]


def test_every_source_has_fixtures():
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "guest" / "reloc").rglob("*.s")}
    sources |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "guest" / "linkc").glob("*.c")}
    built = {json.loads(MANIFEST.read_text())["objects"][f.rel]["command"].split()[-1]
             for f in fixtures()}
    assert sources == built


@pytest.mark.slow
@pytest.mark.needs_tool
def test_rebuilding_the_fixtures_reproduces_them_byte_for_byte():
    require("as", "gcc", "clang")
    proc = subprocess.run([sys.executable, "tools/build_reloc_fixtures.py", "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " 0 mismatches" in proc.stdout
