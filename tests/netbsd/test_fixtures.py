"""The committed NetBSD 10 fixtures: exactly what the sources, flags and linker produce, laid
out as NetBSD's module directory, each carrying the module(9) record kern_module.c looks for."""
from __future__ import annotations

import hashlib
import importlib.util
import plistlib
import sys

import pytest

from kemu.paths import ROOT
from kemu.toolchain import cc

from .modinfo_reader import Kmod

FIXTURES = ROOT / "fixtures" / "netbsd"


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_netbsd_fixtures", ROOT / "tools" / "build_netbsd_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


BUILDER = _load_builder()
MANIFEST = BUILDER.load_manifest()
KMODS = sorted(p for p in MANIFEST["files"] if p.endswith(".kmod"))

# module -> (class, required); version is NetBSD 10.0's except where noted
EXPECTED = {
    "fibo": (3, None), "props": (1, None), "chain_a": (1, "chain_b,chain_c"), "chain_b": (1, "chain_c"),
    "chain_c": (1, None), "noautounload": (1, None), "initfail": (1, None), "selfload": (1, None),
    "findsect": (1, None), "callbacks": (1, None), "oldversion": (1, None), "selfdep": (1, "selfdep"),
    "circ_a": (1, "circ_b"), "circ_b": (1, "circ_a"), "missingdep": (1, "kemu_absent"),
    "badclass": (7, None), "mutexdemo": (1, None), "strdemo": (1, None),
}


def test_manifest_lists_every_planned_kmod_and_plist():
    planned = {job.relpath for job in BUILDER.plan()} | set(BUILDER.plist_relpaths())
    assert set(MANIFEST["files"]) == planned
    assert len([p for p in planned if p.endswith(".kmod")]) == 2 * 2 * (len(EXPECTED) + 4)


def test_every_file_in_the_fixture_tree_is_in_the_manifest():
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("*/*/*/*") if p.is_file()}
    assert on_disk == set(MANIFEST["files"])


def test_each_arch_and_compiler_directory_is_a_module_directory():
    for arch in cc.ARCHES:
        for compiler in cc.COMPILERS:
            base = FIXTURES / arch / compiler
            for name in [*EXPECTED, "twomodinfo", "nomodinfo", "longname"]:
                assert (base / name / f"{name}.kmod").is_file()
            assert (base / "props" / "props.plist").is_file()


@pytest.mark.parametrize("relpath", sorted(MANIFEST["files"]))
def test_committed_file_has_the_manifest_sha256(relpath):
    data = (FIXTURES / relpath).read_bytes()
    assert len(data) == MANIFEST["files"][relpath]["size"]
    assert hashlib.sha256(data).hexdigest() == MANIFEST["files"][relpath]["sha256"]


@pytest.mark.parametrize("relpath", KMODS)
def test_kmod_was_built_with_the_kmod_flags_and_ld_r(relpath):
    entry = MANIFEST["files"][relpath]
    flags = entry["flags"]
    for define in ("-D_KERNEL", "-D_MODULE", "-DSYSCTL_INCLUDE_DESCR"):
        assert define in flags
    assert "-ffreestanding" in flags and "-nostdinc" in flags and "-fno-common" in flags
    if entry["arch"] == "x86_64":
        assert "-mcmodel=kernel" in flags and "-mno-red-zone" in flags
    assert entry["link"][:2] == ["ld", "-r"] and "-T" in entry["link"]
    assert not any(str(ROOT) in f for f in flags)
    assert entry["compiler_version"] == MANIFEST["compilers"][entry["compiler"]]


@pytest.mark.parametrize("relpath", KMODS)
def test_kmod_is_a_relocatable_object_for_its_arch_with_bss_merged_into_data(relpath):
    kmod = Kmod(FIXTURES / relpath)
    arch = MANIFEST["files"][relpath]["arch"]
    assert kmod.elf["e_type"] == "ET_REL"
    assert kmod.elf["e_machine"] == ("EM_386" if arch == "i386" else "EM_X86_64")
    names = {s.name for s in kmod.elf.iter_sections()}
    assert ".bss" not in names and ".comment" not in names


@pytest.mark.parametrize("relpath", [p for p in KMODS if p.split("/")[2] in EXPECTED])
def test_link_set_modules_holds_one_pointer_to_the_modinfo(relpath):
    name = relpath.split("/")[2]
    record = Kmod(FIXTURES / relpath).module_record()
    assert record.linkset_size == Kmod(FIXTURES / relpath).word
    assert record.name == name
    assert (record.modclass, record.required) == EXPECTED[name]
    assert record.version == (900000000 if name == "oldversion" else 1000000000)
    assert record.modcmd_symbol == f"{name}_modcmd"


def test_longname_declares_a_name_of_maxmodname_characters():
    for arch in cc.ARCHES:
        record = Kmod(FIXTURES / arch / "gcc" / "longname" / "longname.kmod").module_record()
        assert record.name == "longname_exactly_thirty_two_char" and len(record.name) == 32


def test_twomodinfo_has_two_pointers_and_nomodinfo_none():
    for arch in cc.ARCHES:
        two = Kmod(FIXTURES / arch / "gcc" / "twomodinfo" / "twomodinfo.kmod")
        assert two.section("link_set_modules")["sh_size"] == 2 * two.word
        assert Kmod(FIXTURES / arch / "gcc" / "nomodinfo" / "nomodinfo.kmod").section("link_set_modules") is None


def test_findsect_carries_its_own_kemu_blob_section():
    kmod = Kmod(FIXTURES / "x86_64" / "clang" / "findsect" / "findsect.kmod")
    assert kmod.section("kemu_blob").data() == b"kemu blob\0\1\2\3\4\5\6"


def test_props_plist_is_an_xml_property_list_with_int_string_and_bool():
    with open(ROOT / "guest" / "netbsd" / "modules" / "props" / "props.plist", "rb") as f:
        plist = plistlib.load(f, fmt=plistlib.FMT_XML)
    assert plist == {"count": 42, "greeting": "hello from props.plist", "verbose": True}


@pytest.mark.needs_tool
@pytest.mark.parametrize("compiler", cc.COMPILERS)
def test_rebuild_matches_the_manifest_with_the_recorded_tools(compiler):
    try:
        installed = cc.Compiler.find(compiler)
    except cc.ToolchainError as exc:
        pytest.skip(str(exc))
    if installed.version != MANIFEST["compilers"][compiler]:
        pytest.skip(f"fixtures were built with {MANIFEST['compilers'][compiler]!r}; installed is {installed.version!r}")
    report = BUILDER.check((compiler,))
    if "ld" in report.skipped:
        pytest.skip(report.skipped["ld"])
    assert report.mismatched == []
    assert len(report.matched) == sum(1 for e in MANIFEST["files"].values() if e.get("compiler") == compiler) \
        + len(BUILDER.plist_relpaths((compiler,)))
