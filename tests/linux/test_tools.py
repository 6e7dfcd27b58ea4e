"""The Linux tools' offline parts: locating an unpacked corpus, reporting installed headers."""
from __future__ import annotations

import subprocess
import sys

from kemu.paths import ROOT

from .conftest import load_tool


def _unpack(cache, abi, flavour, module):
    path = cache / f"linux-image-6.1.0-{abi}-{flavour}-unsigned/lib/modules/6.1.0-{abi}-{flavour}/kernel/lib"
    path.mkdir(parents=True)
    (path / f"{module}.ko").write_bytes(b"")
    return path / f"{module}.ko"


def test_the_newest_unpacked_abi_of_the_asked_flavour_is_found(tmp_path):
    fetch = load_tool("fetch_debian_modules")
    _unpack(tmp_path, 9, "amd64", "crc7")
    newer = _unpack(tmp_path, 57, "amd64", "crc7")
    i386 = _unpack(tmp_path, 57, "686-pae", "crc7")
    assert fetch.find_cached_module("crc7", tmp_path) == newer
    assert fetch.find_cached_module("crc7", tmp_path, arch="i386") == i386
    assert fetch.find_cached_module("nosuch", tmp_path) is None
    assert fetch.modules_root("i386", tmp_path) == tmp_path / (
        "linux-image-6.1.0-57-686-pae-unsigned/lib/modules/6.1.0-57-686-pae")
    assert fetch.modules_root("x86_64", tmp_path / "empty") is None


def test_a_bad_abi_is_a_usage_error():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "fetch_debian_modules.py"), "--abi", "x"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--abi 'x': expected a number or 'newest'" in done.stderr


def test_install_check_reports_each_arch_without_installing():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "install_linux_headers.py"), "--check"],
                          capture_output=True, text=True)
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["x86_64", "i386"]
    assert done.returncode == (0 if all(not line.endswith("missing") for line in lines) else 1)
