"""The FreeBSD guest SDK compiles code written for a real FreeBSD 14 kernel: every header
after <sys/param.h> (FreeBSD's convention), and a kld using the wider API surface
(guest/freebsd/sdkcheck/api_surface.c), with both compilers on both arches and warnings as
errors, importing exactly the kernel interfaces it calls."""
from __future__ import annotations

import subprocess

import pytest
from elftools.elf.elffile import ELFFile

from kemu.paths import ROOT
from kemu.toolchain import cc, freebsd_kmod

from .conftest import ARCHES, COMPILERS, GUEST, require

INCLUDE = GUEST / "include"
HEADERS = sorted(p.relative_to(INCLUDE).as_posix() for p in INCLUDE.rglob("*.h"))
API_SURFACE = GUEST / "sdkcheck" / "api_surface.c"
API_IMPORTS = {
    "copyinstr", "copyout", "destroy_dev", "eventhandler_deregister", "eventhandler_find_list",
    "eventhandler_register", "free", "hz", "log", "make_dev", "make_dev_alias", "malloc",
    "malloc_init", "malloc_uninit", "module_getname", "module_register_init", "pause_sbt", "printf",
    "strlcpy", "sysctl___kern", "sysctl_handle_int", "sysctl_handle_long", "sysctl_handle_opaque",
    "tick_sbt", "uprintf", "wakeup",
}


@pytest.mark.needs_tool
@pytest.mark.parametrize("arch", ARCHES)
def test_every_header_compiles_after_sys_param_h(tmp_path, arch):
    require("gcc")
    compiler = cc.Compiler.find("gcc")
    source = tmp_path / "headers.c"
    flags = freebsd_kmod.compile_flags(arch, compiler, optimize="0", cwd=ROOT)
    failures = []
    for header in HEADERS:
        source.write_text(f"#include <sys/param.h>\n#include <{header}>\n")
        done = subprocess.run([compiler.path, *flags, "-fsyntax-only", str(source)], cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode != 0 or done.stderr:
            failures.append(f"{header}:\n{done.stderr}")
    assert failures == []


@pytest.mark.needs_tool
@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("arch", ARCHES)
def test_api_surface_builds_cleanly_and_imports_what_it_calls(tmp_path, arch, compiler):
    require(compiler, "ld.lld")
    out = tmp_path / "api_surface.ko"
    result = freebsd_kmod.build_kmod(
        freebsd_kmod.KmodRequest(arch=arch, sources=(API_SURFACE.relative_to(ROOT),), output=out),
        compiler, cwd=ROOT)
    assert (result.returncode, result.stderr) == (0, "")
    with open(out, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        undefined = {s.name for s in symtab.iter_symbols()
                     if s.name and s["st_shndx"] == "SHN_UNDEF" and s["st_info"]["bind"] == "STB_GLOBAL"}
    assert API_IMPORTS <= undefined
    assert undefined - API_IMPORTS <= {"memset", "memcpy", "memmove", "memcmp", "strlen"}
