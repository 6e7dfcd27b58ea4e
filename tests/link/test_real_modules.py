"""Real-world objects: Debian's Linux 6.1 amd64 modules, when tools/fetch_debian_modules.py
has cached them, linked by kemu and by GNU ld and compared byte for byte (amdgpu.ko has
320,569 relocations)."""
from __future__ import annotations

import importlib.util

import pytest

from kemu.elf import ObjectFile
from kemu.elf.constants import SHN_UNDEF, STB_WEAK
from kemu.link import link
from kemu.link.compare import compare_with_gnu_ld
from kemu.link.gnu_ld import link_with_gnu_ld

from .conftest import require
from .manifest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.needs_tool]


def cached_module(name: str):
    spec = importlib.util.spec_from_file_location("fetch", ROOT / "tools" / "fetch_debian_modules.py")
    fetch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fetch)
    path = fetch.find_cached_module(name)
    if path is None:
        pytest.skip(f"{name}.ko not cached (run tools/fetch_debian_modules.py)")
    return path


def externals(obj: ObjectFile) -> dict[str, int]:
    st = obj.symtab
    undefined = [i for i in range(1, len(st))
                 if st["shndx"][i] == SHN_UNDEF and (st["info"][i] >> 4) != STB_WEAK]
    names = sorted({obj.symbol_name(i) for i in undefined} - {""})
    return {n: 0xFFFFFFFF81000000 + 16 * i for i, n in enumerate(names)}


@pytest.mark.parametrize("name", ["amdgpu", "nfsv4", "batman-adv", "ipmi_msghandler", "qxl"])
def test_a_debian_module_links_exactly_as_gnu_ld_links_it(name, tmp_path):
    require("ld")
    path = cached_module(name)
    obj = ObjectFile.load(path)
    image = link(obj, 0xFFFFFFFFC0000000, externals(obj).get)
    reference = link_with_gnu_ld(path, obj, image, tmp_path)
    result = compare_with_gnu_ld(obj, image, reference, debug=False)
    assert result.ok, result.report()
    assert result.sections > 10
