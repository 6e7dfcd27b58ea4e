"""The struct layouts the FreeBSD personality shares with klds (guest/freebsd/layout/
layouts.json) are what each compiler makes of the guest headers, on both arches, checked
by _Static_assert probes compiled with the kld flags; and the headers agree with the
layouts the loader spec (shared/specs/loaders.md §4) read off FreeBSD's own sources."""
from __future__ import annotations

import subprocess

import pytest

from kemu.paths import ROOT
from kemu.toolchain import cc, freebsd_kmod, freebsd_layouts

from .conftest import ARCHES, COMPILERS, load_layouts, require

LAYOUTS = load_layouts()


def _probe(arch: str) -> str:
    lines = [f"#include <{h}>" for h in freebsd_layouts.LAYOUT_HEADERS]
    for name, spec in LAYOUTS["structs"].items():
        layout = spec[arch]
        ctype = spec["c"]
        lines.append(f"_Static_assert(sizeof({ctype}) == {layout['size']}, \"sizeof {name}\");")
        for field, offset in layout["fields"].items():
            lines.append(f"_Static_assert(__builtin_offsetof({ctype}, {field}) == {offset}, "
                         f"\"{name}.{field} at {offset}\");")
    return "\n".join(lines) + "\n"


@pytest.mark.needs_tool
@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("arch", ARCHES)
def test_recorded_layouts_match_the_compiled_guest_headers(tmp_path, arch, compiler):
    require(compiler)
    source = tmp_path / "layouts.c"
    source.write_text(_probe(arch))
    flags = freebsd_kmod.compile_flags(arch, cc.Compiler.find(compiler), optimize="0", cwd=ROOT)
    done = subprocess.run([cc.Compiler.find(compiler).path, *flags, "-fsyntax-only", str(source)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_struct_the_personality_shares_with_klds_is_recorded_with_its_origin():
    assert set(LAYOUTS["structs"]) == set(freebsd_layouts.STRUCTS) == {
        "mod_metadata", "mod_depend", "mod_version", "moduledata", "module_stat", "sysinit", "cdevsw",
        "cdev", "make_dev_args", "uio", "iovec", "timespec", "malloc_type", "sysctl_oid", "sysctl_req",
        "eventhandler_entry", "eventhandler_list", "linker_file", "callout", "timeval", "bintime", "kld_file_stat"}
    for name, spec in LAYOUTS["structs"].items():
        assert spec["origin"].startswith("FreeBSD 14 sys/sys/"), name
        assert (ROOT / "guest/freebsd/include" / spec["header"]).is_file(), name
        assert list(spec["x86_64"]["fields"]) == freebsd_layouts.STRUCTS[name]["fields"]


def _offsets(name: str, arch: str, *fields: str) -> list[int]:
    return [LAYOUTS["structs"][name][arch]["fields"][f] for f in fields]


def test_uio_offsets_are_freebsd_14s_on_both_arches():
    fields = ("uio_iov", "uio_iovcnt", "uio_offset", "uio_resid", "uio_segflg", "uio_rw", "uio_td")
    assert _offsets("uio", "x86_64", *fields) == [0, 8, 16, 24, 32, 36, 40]
    assert _offsets("uio", "i386", *fields) == [0, 4, 8, 16, 20, 24, 28]
    assert LAYOUTS["structs"]["uio"]["x86_64"]["size"] == 48
    assert LAYOUTS["structs"]["uio"]["i386"]["size"] == 32


def test_cdevsw_entry_points_sit_where_d_version_04_puts_them():
    entries = ("d_open", "d_fdopen", "d_close", "d_read", "d_write", "d_ioctl", "d_poll", "d_mmap",
               "d_strategy", "d_dump", "d_kqfilter", "d_purge", "d_mmap_single")
    assert _offsets("cdevsw", "x86_64", "d_version", "d_flags", "d_name") == [0, 4, 8]
    assert _offsets("cdevsw", "x86_64", *entries) == list(range(16, 120, 8))
    assert _offsets("cdevsw", "i386", *entries) == list(range(12, 64, 4))


def test_linker_set_records_are_16_bytes_on_i386_and_24_on_amd64():
    for name in ("mod_metadata", "sysinit"):
        assert LAYOUTS["structs"][name]["i386"]["size"] == 16
        assert LAYOUTS["structs"][name]["x86_64"]["size"] == 24
    assert LAYOUTS["structs"]["mod_depend"]["i386"]["size"] == 12


def test_layouts_file_is_what_the_builder_measures_now():
    require("clang")
    measured = {arch: freebsd_layouts.measure_layouts(arch, cc.Compiler.find("clang")) for arch in ARCHES}
    for name, spec in LAYOUTS["structs"].items():
        for arch in ARCHES:
            assert measured[arch][name] == spec[arch], (name, arch)


def test_recorded_constants_are_what_the_headers_define_now():
    require("clang")
    measured = freebsd_layouts.measure_constants(cc.Compiler.find("clang"))
    recorded = {n: v for group in LAYOUTS["constants"].values() for n, v in group.items()}
    assert recorded == measured


def test_constants_the_loader_keys_on_have_freebsd_14s_values():
    c = {n: v for group in LAYOUTS["constants"].values() for n, v in group.items()}
    assert (c["MDT_DEPEND"], c["MDT_MODULE"], c["MDT_VERSION"], c["MDT_STRUCT_VERSION"]) == (1, 2, 3, 1)
    assert (c["MOD_LOAD"], c["MOD_UNLOAD"], c["MOD_SHUTDOWN"], c["MOD_QUIESCE"]) == (0, 1, 2, 3)
    assert (c["SI_SUB_KLD"], c["SI_SUB_DRIVERS"], c["SI_ORDER_MIDDLE"], c["SI_ORDER_ANY"]) == (
        0x2000000, 0x3100000, 0x1000000, 0xfffffff)
    assert c["D_VERSION"] == 0x5c48c353 and c["__FreeBSD_version"] == 1403000
    assert (c["M_NOWAIT"], c["M_WAITOK"], c["M_ZERO"]) == (1, 2, 0x100)
    assert c["OID_AUTO"] == -1 and c["CTLFLAG_RD"] == 0x80000000 and c["CTLTYPE_INT"] == 2
