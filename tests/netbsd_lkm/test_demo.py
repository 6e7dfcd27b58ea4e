"""`kemu demo` prints the tutorial's console session; its output is compared byte for byte
with a golden transcript per arch and compiler. After an intended change, regenerate with
`python -m kemu demo --arch ARCH --compiler CC > tests/netbsd_lkm/golden/demo-ARCH-CC.txt`
and read the diff."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from kemu.os.netbsd_lkm.demo import run_demo

from .conftest import COMBOS

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("arch, compiler", COMBOS, ids=[f"{a}-{c}" for a, c in COMBOS])
def test_kemu_demo_output_matches_the_golden_transcript(arch, compiler):
    done = subprocess.run([sys.executable, "-m", "kemu", "demo", "--arch", arch, "--compiler", compiler],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (GOLDEN / f"demo-{arch}-{compiler}.txt").read_text()


def test_default_demo_is_i386_gcc():
    done = subprocess.run([sys.executable, "-m", "kemu", "demo"], capture_output=True, text=True, timeout=120)
    assert done.stdout == (GOLDEN / "demo-i386-gcc.txt").read_text()


@pytest.mark.parametrize("arch", ["i386", "x86_64"])
def test_demo_shows_the_tutorial_milestones(arch):
    out = io.StringIO()
    assert run_demo(out, arch, "gcc") == 0
    lines = out.getvalue().splitlines()
    assert lines[:3] == ["# modload -e fibo_lkmentry -p fibo_postinstall.sh fibo.o",
                         "fibo: FIBONACCI driver loaded successfully", "Module loaded as ID 0"]
    numbers = lines[lines.index("# ./fibotest | head -n 50") + 1:][:50]
    assert numbers[44:] == ["1134903170", "1836311903", "2971215073", "1", "1", "2"]
    assert "modunload: LMUNLOAD: Device busy" in lines
    assert lines[-2:] == ["# modstat", lines[4]]          # the table is empty again: header only


def test_demo_leaves_no_temporary_directory_behind(tmp_path, monkeypatch):
    import tempfile
    from kemu.os.netbsd_lkm.postinstall import shim_directory
    shim_directory()              # made once per process, elsewhere; only the demo's own dir counts
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    run_demo(io.StringIO(), "i386", "gcc")
    assert list(tmp_path.iterdir()) == []
