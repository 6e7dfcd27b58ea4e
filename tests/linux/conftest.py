"""Shared helpers for the Linux groundwork tests: fixture paths, ELF facts via pyelftools.

pyelftools (not kemu.elf) reads the modules: these tests check what kbuild produced,
independently of kemu's own ELF reader.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from kemu.paths import ROOT, fixture
from kemu.toolchain import linux_kbuild
from kemu.toolchain.cc import ToolchainError

FIXTURE_DIR = fixture("linux")
ARCHES = ("x86_64", "i386")


def load_tool(name: str):
    """tools/<name>.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


def manifest() -> dict:
    return json.loads((FIXTURE_DIR / "MANIFEST.json").read_text())


def ko(arch: str, name: str) -> Path:
    return FIXTURE_DIR / arch / f"{name}.ko"


def section_names(path: Path) -> set[str]:
    with path.open("rb") as f:
        return {s.name for s in ELFFile(f).iter_sections()}


def modinfo(path: Path) -> list[tuple[str, str]]:
    """The tag=value pairs of a module's .modinfo, in order."""
    with path.open("rb") as f:
        data = ELFFile(f).get_section_by_name(".modinfo").data()
    return [tuple(entry.decode().split("=", 1)) for entry in data.split(b"\0") if entry]


def require_headers(*arches: str) -> None:
    """Skip the calling test, naming the package, when a Linux header set is not installed."""
    for arch in arches or ARCHES:
        try:
            linux_kbuild.locate_headers(arch)
        except ToolchainError as exc:
            pytest.skip(str(exc))


@pytest.fixture(params=ARCHES)
def linux(request):
    """A freshly booted Linux kernel of each arch (test files that need more define their own)."""
    import kemu
    return kemu.boot("linux", request.param)
