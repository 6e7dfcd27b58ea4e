"""Smoke run over real Debian 6.1 modules (linux-image-6.1.0-N-*-unsigned, fetched and
unpacked by tools/fetch_debian_modules.py; never committed): every lib/ and crypto/ module
is loaded leniently (kernel functions kemu lacks become logging stubs returning 0), its init
runs, and it is removed again through its exit. A module may refuse (its init failing on a
stub's 0, an oops): that must be a clean insmod error and the next module must load.
Run with `python3 -m pytest -m debian_corpus tests/linux/test_debian_corpus.py`."""
from __future__ import annotations

import importlib.util

import pytest

import kemu
from kemu.os.linux.insmod import InsmodError
from kemu.paths import ROOT

from .conftest import ARCHES

pytestmark = pytest.mark.debian_corpus

#: of Debian's lib/ and crypto/ modules (96 on amd64, 95 on 686-pae), measured: 85+ run
#: init and exit; the rest need kernel functions whose lenient 0 makes their init fail
MIN_RUNNING = 80


def _modules(arch: str):
    spec = importlib.util.spec_from_file_location("fetch_debian_modules", ROOT / "tools" / "fetch_debian_modules.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    root = tool.modules_root(arch)
    if root is None:
        pytest.skip(f"Debian's {arch} modules are not fetched (python3 tools/fetch_debian_modules.py --arch {arch})")
    return sorted(root.rglob("kernel/lib/*.ko")) + sorted(root.rglob("kernel/crypto/*.ko"))


@pytest.mark.parametrize("arch", ARCHES)
def test_lib_and_crypto_modules_run_init_and_exit(arch, request):
    if "debian_corpus" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("about 10 s per arch: run with -m debian_corpus")
    paths = _modules(arch)
    system = kemu.boot("linux", arch)
    running, refused = [], []
    for path in paths:
        try:
            module = system.insmod(str(path), lenient=True)
        except InsmodError as exc:
            refused.append((path.name, exc.name))
            continue
        system.rmmod(module.name)
        running.append(path.name)
    assert len(running) >= MIN_RUNNING, refused
    assert system.modules() == []
    system.insmod(str(paths[0]), lenient=True)      # still usable after every refusal
