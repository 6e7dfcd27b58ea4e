"""The committed FreeBSD kld fixtures are exactly what the guest sources, their Makefiles and
the kmod build produce, and the manifest says how each was made."""
from __future__ import annotations

import hashlib
import shutil

import pytest

from kemu.paths import ROOT

from .conftest import ARCHES, COMPILERS, FIXTURE_DIR, load_builder, load_manifest

MANIFEST = load_manifest()
BUILDER = load_builder()
MODULES = {"fibo", "evlog", "depbase", "depuser", "depnewer", "multi", "loadfail", "noquiesce",
           "sysctlmod", "sysinits", "echo", "cdev", "mtxmod", "evhook", "evveto", "sxmod", "timermod", "dynsys", "kmisc",
           "kextra", "unprovided"}


def test_manifest_lists_every_module_for_both_arches_and_compilers():
    planned = {job.relpath for job in BUILDER.plan()}
    assert set(MANIFEST["files"]) == planned
    assert {f"{arch}/{compiler}/{name}.ko" for arch in ARCHES for compiler in COMPILERS
            for name in MODULES | {"fibo-g"}} == planned


def test_no_kld_in_the_fixture_tree_is_missing_from_the_manifest():
    on_disk = {p.relative_to(FIXTURE_DIR).as_posix() for p in FIXTURE_DIR.glob("*/*/*.ko")}
    assert on_disk == set(MANIFEST["files"])


def test_manifest_names_the_release_and_the_tools():
    assert MANIFEST["release"] == "14.3-RELEASE" and MANIFEST["freebsd_version"] == 1403000
    assert MANIFEST["linker"].startswith(("LLD", "Debian LLD", "Ubuntu LLD"))
    assert set(MANIFEST["compilers"]) == set(COMPILERS)


@pytest.mark.parametrize("relpath", sorted(MANIFEST["files"]))
def test_committed_kld_has_the_manifest_sha256(relpath):
    data = (FIXTURE_DIR / relpath).read_bytes()
    entry = MANIFEST["files"][relpath]
    assert len(data) == entry["size"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]


@pytest.mark.parametrize("relpath", sorted(MANIFEST["files"]))
def test_manifest_commands_follow_kmod_mk_without_checkout_paths(relpath):
    entry = MANIFEST["files"][relpath]
    commands = entry["commands"]
    compiles = [c for c in commands if c[0] == entry["compiler"]]
    assert len(compiles) == len(entry["sources"])
    for command, source in zip(compiles, entry["sources"]):
        assert {"-D_KERNEL", "-DKLD_MODULE", "-nostdinc", "-ffreestanding", "-fno-common"} <= set(command)
        assert command[command.index("-c") + 1] == source
    links = [c for c in commands if c[0] == "ld.lld"]
    assert "-r" in links[0]
    if entry["arch"] == "i386":
        assert len(links) == 2 and "-Bshareable" in links[1] and "elf_i386_fbsd" in links[1]
    else:
        assert len(links) == 1 and "elf_x86_64_fbsd" in links[0]
    assert not any(str(ROOT) in arg for command in commands for arg in command)


def test_depbase_is_the_only_module_exporting_symbols():
    exporters = {e["module"]: e["export_syms"] for e in MANIFEST["files"].values() if e["export_syms"] != "NO"}
    assert exporters == {"depbase": ["depbase_answer", "depbase_calls"]}


def test_makefiles_describe_the_two_source_cdev_module():
    cdev = next(m for m in BUILDER.modules() if m.name == "cdev")
    assert [str(s) for s in cdev.sources] == ["guest/freebsd/cdev/cdev.c", "guest/freebsd/cdev/cdevmod.c"]


@pytest.mark.needs_tool
@pytest.mark.parametrize("compiler", COMPILERS)
def test_rebuild_matches_manifest_with_the_recorded_tools(compiler):
    if shutil.which(compiler) is None or shutil.which("ld.lld") is None:
        pytest.skip(f"{compiler} or ld.lld is not installed")
    report = BUILDER.check((compiler,))
    if compiler in report.skipped or "linker" in report.skipped:
        pytest.skip(report.skipped.get(compiler) or report.skipped["linker"])
    assert report.mismatched == []
    assert len(report.matched) == sum(1 for e in MANIFEST["files"].values() if e["compiler"] == compiler)
