"""The committed NetBSD LKM fixtures are exactly what the sources and flags produce."""
from __future__ import annotations

import hashlib

import pytest

from kemu.paths import ROOT
from kemu.toolchain import cc

from .conftest import FIXTURE_DIR, load_builder, load_manifest

MANIFEST = load_manifest()
BUILDER = load_builder()


def test_manifest_lists_every_module_for_both_arches_and_compilers():
    planned = {job.relpath for job in BUILDER.plan()}
    assert set(MANIFEST["files"]) == planned
    names = {relpath.rsplit("/", 1)[1] for relpath in planned}
    assert {"fibo.o", "fibo-g.o", "missingsym.o", "nullderef.o", "spin.o", "stackhog.o",
            "printfmt.o", "echodev.o", "leaky.o", "busy.o"} <= names


def test_no_object_in_the_fixture_tree_is_missing_from_the_manifest():
    on_disk = {p.relative_to(FIXTURE_DIR).as_posix() for p in FIXTURE_DIR.glob("*/*/*.o")}
    assert on_disk == set(MANIFEST["files"])


@pytest.mark.parametrize("relpath", sorted(MANIFEST["files"]))
def test_committed_object_has_the_manifest_sha256(relpath):
    data = (FIXTURE_DIR / relpath).read_bytes()
    entry = MANIFEST["files"][relpath]
    assert len(data) == entry["size"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]


@pytest.mark.parametrize("relpath", sorted(MANIFEST["files"]))
def test_manifest_flags_are_the_toolchain_kernel_flags_without_checkout_paths(relpath):
    entry = MANIFEST["files"][relpath]
    flags = entry["flags"]
    assert list(cc.ARCH_FLAGS[(entry["arch"], entry["compiler"])]) == flags[:len(cc.ARCH_FLAGS[(entry["arch"], entry["compiler"])])]
    for flag in cc.KERNEL_FLAGS:
        assert flag in flags
    assert "-D__NetBSD_Version__=106000000" in flags
    assert entry["source"] in flags
    assert not any(str(ROOT) in f for f in flags)
    assert entry["compiler_version"] == MANIFEST["compilers"][entry["compiler"]]


def test_debug_variant_of_fibo_is_built_with_g_and_O0():
    for arch in cc.ARCHES:
        for compiler in cc.COMPILERS:
            flags = MANIFEST["files"][f"{arch}/{compiler}/fibo-g.o"]["flags"]
            assert "-g" in flags and "-O0" in flags and "-O2" not in flags


@pytest.mark.parametrize("compiler", cc.COMPILERS)
def test_rebuild_matches_manifest_with_the_recorded_compiler_version(compiler):
    try:
        installed = cc.Compiler.find(compiler)
    except cc.ToolchainError as exc:
        pytest.skip(str(exc))
    recorded = MANIFEST["compilers"][compiler]
    if installed.version != recorded:
        pytest.skip(f"fixtures were built with {recorded!r}; installed {compiler} is {installed.version!r}")
    report = BUILDER.check((compiler,))
    assert report.mismatched == []
    assert len(report.matched) == sum(1 for e in MANIFEST["files"].values() if e["compiler"] == compiler)
