"""The coverage ground truth: guest/coverage/covmod.c's marker comments and its fixtures."""
from __future__ import annotations

import io
from pathlib import Path

import kemu
from kemu.kernel.coverage import CoverageRecorder
from kemu.kernel.lcov import Coverage

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "guest" / "coverage" / "covmod.c"
FIXTURES = ROOT / "fixtures" / "coverage"
BUILDS = [(arch, compiler, level) for arch in ("i386", "x86_64") for compiler in ("gcc", "clang")
          for level in ("0", "2")]


def marked(marker: str) -> set[int]:
    """Source lines carrying `/* marker */`."""
    text = SOURCE.read_text().splitlines()
    return {n for n, line in enumerate(text, 1) if f"/* {marker} */" in line}


def line_of(text: str) -> int:
    """The number of the source line holding `text`."""
    lines = SOURCE.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def statements(lines: set[int]) -> set[int]:
    """Those of `lines` that are more than a brace: where -O2 must still place code."""
    text = SOURCE.read_text().splitlines()
    return {n for n in lines if text[n - 1].split("/*")[0].strip() not in ("{", "}", "")}


def fixture(arch: str, compiler: str, level: str) -> Path:
    return FIXTURES / arch / compiler / f"O{level}" / "covmod.o"


def load_and_unload(arch: str, compiler: str, level: str, times: int = 1) -> tuple[Coverage, CoverageRecorder]:
    """Boot NetBSD LKM, record while covmod is loaded and unloaded `times` times."""
    system = kemu.boot("netbsd-lkm", arch)
    recorder = CoverageRecorder(system.kernel).start()
    out = io.StringIO()
    for _ in range(times):
        module = system.load(str(fixture(arch, compiler, level)), out=out, err=out)
        system.unload(module)
    return recorder.stop(), recorder
