"""The NetBSD 10 structures the module(9) personality will share with modules have, in kemu's
own layout engine (kemu.kernel.cstruct, reading the guest headers' text), exactly the offsets
and sizes the compilers give them: every member, both arches, gcc and clang, checked by
_Static_assert probes compiled against guest/netbsd/include. The numbers the spec and NetBSD's
headers state are pinned as well, so a header edit that moved a member fails twice."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from kemu.kernel.cstruct import StructLayout
from kemu.kernel.prototype import KERNEL_TYPEDEFS
from kemu.paths import ROOT

INCLUDE = ROOT / "guest" / "netbsd" / "include"

# NetBSD 10 differs from the generic kernel typedefs: dev_t and time_t are 64 bits on both
# arches; the module(9) enums are ints.
NETBSD10_TYPEDEFS = {
    **KERNEL_TYPEDEFS,
    "dev_t": (8, 8, False, False),
    "time_t": (8, 8, True, False),
    "modclass_t": (4, 4, True, False),
    "modsrc_t": (4, 4, True, False),
    "modcmd_t": (4, 4, True, False),
    "devmajor_t": (4, 4, True, False),
}

# struct name -> (header, C spelling, substitutions of macros used in array bounds)
STRUCTS = {
    "modinfo": ("sys/module.h", "struct modinfo"),
    "modctl_load": ("sys/module.h", "struct modctl_load"),
    "modstat": ("sys/module.h", "struct modstat"),
    "cdevsw": ("sys/conf.h", "struct cdevsw"),
    "bdevsw": ("sys/conf.h", "struct bdevsw"),
    "uio": ("sys/uio.h", "struct uio"),
    "iovec": ("sys/uio.h", "struct iovec"),
}
MACROS = {"MAXMODNAME": "32"}
ARCHES = ("i386", "x86_64")


def layout(arch: str, name: str) -> StructLayout:
    header, _ = STRUCTS[name]
    text = (INCLUDE / header).read_text()
    text = re.sub(r"^#.*$", "", text, flags=re.M)          # directives inside struct bodies
    for macro, value in MACROS.items():
        text = text.replace(macro, value)
    return StructLayout.from_header(arch, text, name, NETBSD10_TYPEDEFS)


def probes(arch: str) -> str:
    lines = ["#include <sys/param.h>", "#include <sys/systm.h>", "#include <sys/conf.h>",
             "#include <sys/uio.h>", "#include <sys/module.h>"]
    for name, (_, ctype) in STRUCTS.items():
        lay = layout(arch, name)
        lines.append(f'_Static_assert(sizeof({ctype}) == {lay.size}, "sizeof {ctype} is not {lay.size}");')
        for field in lay.fields:
            lines.append(f'_Static_assert(__builtin_offsetof({ctype}, {field.name}) == {field.offset}, '
                         f'"{ctype}.{field.name} is not at {field.offset}");')
    return "\n".join(lines) + "\n"


def compiler_argv(compiler: str, arch: str) -> list[str]:
    if compiler == "gcc":
        builtin = subprocess.run(["gcc", "-print-file-name=include"], capture_output=True, text=True).stdout.strip()
        return ["gcc", "-m32" if arch == "i386" else "-m64", "-isystem", builtin]
    resource = subprocess.run(["clang", "-print-resource-dir"], capture_output=True, text=True).stdout.strip()
    target = "i386-unknown-none-elf" if arch == "i386" else "x86_64-unknown-none-elf"
    return ["clang", f"--target={target}", "-isystem", f"{resource}/include"]


@pytest.mark.needs_tool
@pytest.mark.parametrize("compiler", ["gcc", "clang"])
@pytest.mark.parametrize("arch", ARCHES)
def test_kemu_layouts_of_the_guest_headers_match_the_compiler(tmp_path, arch, compiler):
    if shutil.which(compiler) is None:
        pytest.skip(f"needs {compiler}")
    source = tmp_path / "probes.c"
    source.write_text(probes(arch))
    done = subprocess.run([*compiler_argv(compiler, arch), "-std=gnu99", "-ffreestanding", "-nostdinc",
                           "-D_KERNEL", "-D_MODULE", f"-I{INCLUDE}", "-fsyntax-only", str(source)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def offsets(arch: str, name: str) -> list[int]:
    return [f.offset for f in layout(arch, name).fields]


def test_modinfo_is_version_class_modcmd_name_required():
    assert [f.name for f in layout("i386", "modinfo").fields] == \
        ["mi_version", "mi_class", "mi_modcmd", "mi_name", "mi_required"]
    assert offsets("i386", "modinfo") == [0, 4, 8, 12, 16] and layout("i386", "modinfo").size == 20
    assert offsets("x86_64", "modinfo") == [0, 4, 8, 16, 24] and layout("x86_64", "modinfo").size == 32


def test_netbsd10_cdevsw_has_cancel_devtounit_cfdriver_and_flag_at_56_or_112():
    names = [f.name for f in layout("x86_64", "cdevsw").fields]
    assert names == ["d_open", "d_cancel", "d_close", "d_read", "d_write", "d_ioctl", "d_stop", "d_tty",
                     "d_poll", "d_mmap", "d_kqfilter", "d_discard", "d_devtounit", "d_cfdriver", "d_flag"]
    assert layout("i386", "cdevsw")["d_flag"].offset == 56 and layout("i386", "cdevsw").size == 60
    assert layout("x86_64", "cdevsw")["d_flag"].offset == 112 and layout("x86_64", "cdevsw").size == 120


def test_netbsd10_bdevsw_flag_follows_ten_pointers():
    assert layout("i386", "bdevsw")["d_flag"].offset == 40 and layout("i386", "bdevsw").size == 44
    assert layout("x86_64", "bdevsw")["d_flag"].offset == 80 and layout("x86_64", "bdevsw").size == 88


def test_uio_has_vmspace_and_no_segflg():
    assert [f.name for f in layout("i386", "uio").fields] == \
        ["uio_iov", "uio_iovcnt", "uio_offset", "uio_resid", "uio_rw", "uio_vmspace"]
    assert offsets("i386", "uio") == [0, 4, 8, 16, 20, 24] and layout("i386", "uio").size == 28
    assert offsets("x86_64", "uio") == [0, 8, 16, 24, 32, 40] and layout("x86_64", "uio").size == 48


def test_modstat_is_the_same_64_bytes_on_both_arches():
    assert offsets("i386", "modstat") == offsets("x86_64", "modstat") == [0, 32, 40, 44, 48, 52, 56, 60]
    assert layout("i386", "modstat").size == layout("x86_64", "modstat").size == 64


def test_modctl_load_is_filename_flags_props_propslen():
    assert offsets("i386", "modctl_load") == [0, 4, 8, 12]
    assert offsets("x86_64", "modctl_load") == [0, 8, 16, 24]
