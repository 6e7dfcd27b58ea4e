"""The Linux fixtures match their manifest, and rebuild byte for byte where kbuild is at hand."""
from __future__ import annotations

import hashlib

import pytest

from kemu.toolchain import linux_headers

from .conftest import ARCHES, FIXTURE_DIR, load_tool, manifest, require_headers


def test_every_listed_file_has_the_recorded_sha256():
    files = manifest()["files"]
    assert files
    for rel, entry in files.items():
        assert hashlib.sha256((FIXTURE_DIR / rel).read_bytes()).hexdigest() == entry["sha256"], rel


def test_manifest_records_the_kernel_abi_and_compiler():
    data = manifest()
    assert data["kernel_abi"] == linux_headers.ABI
    assert data["compiler"].startswith("gcc-12 (Debian 12.")
    assert {data["headers"][a]["release"] for a in ARCHES} == {
        linux_headers.header_set(a).release for a in ARCHES}


def test_every_module_is_built_for_both_arches():
    builder = load_tool("build_linux_fixtures")
    for module in builder.MODULES:
        for arch in ARCHES:
            assert (FIXTURE_DIR / arch / f"{module.name}.ko").is_file()


@pytest.mark.needs_tool
def test_hello_rebuilds_identically_on_both_arches(capsys):
    require_headers()
    builder = load_tool("build_linux_fixtures")
    status = builder.check({"hello"})
    out = capsys.readouterr().out
    if status == 2:
        pytest.skip(out.strip())
    assert status == 0, out
    assert "ok x86_64/hello.ko" in out and "ok i386/hello.ko" in out


@pytest.mark.slow
@pytest.mark.needs_tool
def test_every_fixture_rebuilds_identically(capsys, request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("rebuilds all 24 modules (15-30 s): run with -m slow")
    require_headers()
    builder = load_tool("build_linux_fixtures")
    status = builder.check(None)
    out = capsys.readouterr().out
    if status == 2:
        pytest.skip(out.strip())
    assert status == 0, out
