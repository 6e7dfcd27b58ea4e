"""Shared fixtures for the ELF reader's tests: committed objects and on-the-fly builds."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kemu.paths import FIXTURES

ELF_FIXTURES = FIXTURES / "elf"
ARCHES = ("i386", "x86_64")


def all_fixture_objects() -> list[Path]:
    """Every committed relocatable object in fixtures/ (grows as other suites add theirs).

    Only ET_REL files: FreeBSD i386 klds (.ko) are ET_DYN shared objects, which kemu.elf's
    relocatable-object reader refuses by design.
    """
    return sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".o", ".ko", ".kmod")
                  and p.is_file() and p.read_bytes()[16:18] == b"\x01\x00")


def shared_fixture_objects() -> list[Path]:
    """Every committed shared object (ET_DYN: FreeBSD i386 kld style) in fixtures/."""
    return sorted(p for p in FIXTURES.rglob("*.so") if p.is_file())


@pytest.fixture(params=ARCHES)
def arch(request) -> str:
    return request.param


@pytest.fixture
def symbols_object(arch) -> Path:
    """guest/elf/symbols_<arch>.s assembled (committed fixture)."""
    return ELF_FIXTURES / f"symbols_{arch}.o"


def assemble(tmp_path: Path, source: str, arch: str, name: str = "t") -> Path:
    """Assemble `source` with GNU as, skipping the test when as is absent."""
    if not shutil.which("as"):
        pytest.skip("GNU as not installed")
    src = tmp_path / f"{name}.s"
    src.write_text(source)
    out = tmp_path / f"{name}.o"
    subprocess.run(["as", "--32" if arch == "i386" else "--64", str(src), "-o", str(out)],
                   check=True, capture_output=True)
    return out


def compile_c(tmp_path: Path, source: str, arch: str, compiler: str = "gcc",
              extra: tuple[str, ...] = ()) -> Path:
    """Compile C with the kernel flags, skipping the test when the compiler is absent."""
    if not shutil.which(compiler):
        pytest.skip(f"{compiler} not installed")
    src = tmp_path / "t.c"
    src.write_text(source)
    out = tmp_path / f"t_{arch}_{compiler}.o"
    flags = ["-m32"] if arch == "i386" else ["-m64", "-mcmodel=kernel", "-mno-red-zone"]
    proc = subprocess.run([compiler, *flags, "-ffreestanding", "-fno-pic", "-O2", *extra, "-c",
                           str(src), "-o", str(out)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"{compiler} cannot build for {arch} here: {proc.stderr.strip()[:200]}")
    return out
