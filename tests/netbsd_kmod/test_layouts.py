"""The structures the personality reads and writes (kemu/os/netbsd/layouts.py) are laid out
exactly as kemu reads the guest headers, which tests/netbsd/test_layouts.py checks against gcc
and clang; here the personality's declarations are also compiled directly, member by member."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from kemu.os.netbsd.layouts import ALL, ARCHES
from tests.netbsd.test_layouts import INCLUDE, compiler_argv, layout


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", sorted(ALL))
def test_personality_layout_equals_the_guest_headers(arch, name):
    mine, theirs = ALL[name].layout(arch), layout(arch, name)
    assert mine.size == theirs.size
    assert [(f.name, f.offset) for f in mine.fields] == [(f.name, f.offset) for f in theirs.fields]


@pytest.mark.needs_tool
@pytest.mark.parametrize("arch", ARCHES)
def test_personality_layouts_compile_against_the_guest_headers(tmp_path, arch):
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    lines = ["#include <sys/param.h>", "#include <sys/systm.h>", "#include <sys/conf.h>",
             "#include <sys/uio.h>", "#include <sys/module.h>"]
    for name, decl in ALL.items():
        lay = decl.layout(arch)
        lines.append(f"_Static_assert(sizeof(struct {name}) == {lay.size}, \"{name}\");")
        for f in lay.fields:
            lines.append(f"_Static_assert(__builtin_offsetof(struct {name}, {f.name}) == {f.offset}, "
                         f"\"{name}.{f.name}\");")
    source = tmp_path / "probe.c"
    source.write_text("\n".join(lines) + "\n")
    done = subprocess.run([*compiler_argv("gcc", arch), "-std=gnu99", "-ffreestanding", "-nostdinc",
                           "-D_KERNEL", "-D_MODULE", f"-I{INCLUDE}", "-fsyntax-only", str(source)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
