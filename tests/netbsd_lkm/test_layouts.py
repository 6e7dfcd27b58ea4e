"""The struct layouts kemu reads and writes in guest memory (layouts.py) agree with what the
compiler makes of the guest SDK headers: every offset and size, both arches, checked by
_Static_assert in a file generated from the Python description."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from kemu.os.netbsd_lkm.layouts import ALL, ARCHES
from kemu.toolchain.cc import TARGETS

HEADERS = "#include <sys/param.h>\n#include <sys/systm.h>\n#include <sys/conf.h>\n" \
          "#include <sys/uio.h>\n#include <sys/lkm.h>\n"
# C spelling of each described struct (the SDK declares `union lkm_olddev` anonymously inside lkm_dev)
C_NAMES = {name: f"struct {name}" for name in ALL if name != "lkm_olddev"}


def _assertions(arch: str) -> str:
    lines = [HEADERS]
    for name, ctype in C_NAMES.items():
        layout = ALL[name].layout(arch)
        lines.append(f"_Static_assert(sizeof({ctype}) == {layout.size}, \"sizeof {ctype}\");")
        for field in layout.fields:
            lines.append(f"_Static_assert(__builtin_offsetof({ctype}, {field.name}) == {field.offset}, "
                         f"\"{ctype}.{field.name} at {field.offset}\");")
            if field.scalar:
                lines.append(f"_Static_assert(sizeof((({ctype} *)0)->{field.name}) == "
                             f"{field.size * field.count}, \"sizeof {ctype}.{field.name}\");")
    return "\n".join(lines) + "\n"


@pytest.mark.needs_tool
@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("arch", ARCHES)
def test_python_layouts_match_the_compiled_guest_headers(tmp_path, arch):
    target = TARGETS["netbsd-lkm"]
    source = tmp_path / "layouts.c"
    source.write_text(_assertions(arch))
    builtin = subprocess.run(["gcc", "-print-file-name=include"], capture_output=True, text=True).stdout.strip()
    done = subprocess.run(
        ["gcc", "-m32" if arch == "i386" else "-m64", "-std=gnu99", "-ffreestanding", "-nostdinc",
         *[f"-D{d}" for d in target.defines], f"-I{target.include_dir}", "-isystem", builtin,
         "-fsyntax-only", str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_struct_kemu_shares_with_modules_is_checked():
    assert set(C_NAMES) == {"cdevsw", "bdevsw", "lkm_any", "lkm_dev", "lkm_misc", "lkm_table",
                            "iovec", "uio", "sysent"}


def test_i386_uio_matches_the_spec_offsets():
    uio = ALL["uio"].layout("i386")
    assert [uio.offset(f) for f in ("uio_iov", "uio_iovcnt", "uio_offset", "uio_resid", "uio_segflg",
                             "uio_rw", "uio_procp")] == [0, 4, 8, 16, 20, 24, 28]
    assert uio.size == 32 and ALL["cdevsw"].layout("i386").size == 40
