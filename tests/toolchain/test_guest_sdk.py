"""The NetBSD 1.6 guest SDK: its layout contract, self-contained headers, its version fence."""
from __future__ import annotations

import pytest

from kemu.toolchain import cc

from .conftest import GUEST, require

INCLUDE = GUEST / "include"
HEADERS = sorted(p.relative_to(INCLUDE).as_posix() for p in INCLUDE.rglob("*.h"))


def compile_probe(tmp_path, text, arch, compiler="gcc", defines=()):
    source = tmp_path / "probe.c"
    source.write_text(text)
    request = cc.CompileRequest(target="netbsd-lkm", arch=arch, source=source,
                                output=tmp_path / "probe.o", defines=tuple(defines))
    return cc.compile_object(request, compiler)


@pytest.mark.parametrize("compiler", cc.COMPILERS)
@pytest.mark.parametrize("arch", cc.ARCHES)
def test_struct_layouts_match_the_documented_offsets(arch, compiler, tmp_path):
    require(compiler)
    layout = GUEST / "layout" / "sdk_layout.c"
    result = compile_probe(tmp_path, layout.read_text(), arch, compiler)
    assert result.ok and result.stderr == "", result.stderr


@pytest.mark.parametrize("arch", cc.ARCHES)
@pytest.mark.parametrize("header", HEADERS)
def test_header_compiles_on_its_own_without_warnings(header, arch, tmp_path):
    require("gcc")
    result = compile_probe(tmp_path, f"#include <{header}>\nint kemu_header_probe;\n", arch)
    assert result.ok and result.stderr == "", result.stderr


def test_sdk_has_the_headers_a_1_6_driver_includes():
    assert {"sys/lkm.h", "sys/conf.h", "sys/uio.h", "sys/systm.h", "sys/malloc.h", "sys/errno.h",
            "sys/param.h", "sys/types.h", "sys/proc.h", "sys/ioctl.h", "sys/ioccom.h",
            "sys/fcntl.h"} <= set(HEADERS)


def test_every_header_says_where_its_layout_comes_from():
    for header in HEADERS:
        head = (INCLUDE / header).read_text()[:2000]
        assert "Provenance" in head, header


def test_lkm_h_refuses_the_1_6H_interface(tmp_path):
    require("gcc")
    text = "#undef __NetBSD_Version__\n#define __NetBSD_Version__ 106080000\n#include <sys/lkm.h>\n"
    result = compile_probe(tmp_path, text, "i386")
    assert not result.ok
    assert "1.6H and later changed MOD_DEV" in result.stderr
