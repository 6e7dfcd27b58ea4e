"""What a plain `kemu shell -c 'modload fibo.o'` run loads and starts: only what the run uses.

Every command a user types pays for its imports and threads (issue 8, "Startup"). These are
behaviour tests, not timings (tools/bench_startup.py measures): the run must not import the
disassembler (capstone), pyelftools, keystone or the toolchain, and must start no thread but
the guest-call watchdog (numpy's OpenBLAS used to start one that spun for 0.1 s of CPU).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kemu.paths import fixture

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A fresh interpreter runs the command the way the console script does and reports what it
# imported and which threads exist at the end, as JSON on its last line.
PROBE = r"""
import json, os, sys, threading
from kemu.cli.main import main
status = main(["shell", "--arch", sys.argv[1], "-c", "modload " + sys.argv[2]])
task_dir = "/proc/self/task"
print(json.dumps({
    "status": status,
    "modules": sorted(sys.modules),
    "threads": sorted(t.name for t in threading.enumerate()),
    "native_threads": len(os.listdir(task_dir)) if os.path.isdir(task_dir) else None,
}))
"""

NOT_NEEDED = ("numpy", "capstone", "elftools", "keystone", "kemu.toolchain", "kemu.debug")


@pytest.fixture(scope="module", params=["i386", "x86_64"])
def fibo_run(request) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("OPENBLAS_NUM_THREADS", None)       # kemu's own choice is under test
    module = fixture("netbsd-lkm", request.param, "gcc", "fibo.o")
    done = subprocess.run([sys.executable, "-c", PROBE, request.param, str(module)], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["status"] == 0, done.stdout + done.stderr
    assert "fibo: FIBONACCI driver loaded successfully" in done.stdout
    return report


def test_loading_fibo_imports_no_disassembler_dwarf_reader_assembler_or_toolchain(fibo_run):
    loaded = [name for name in fibo_run["modules"]
              if any(name == top or name.startswith(top + ".") for top in NOT_NEEDED)]
    assert loaded == []


def test_loading_fibo_starts_no_thread_but_the_watchdog(fibo_run):
    assert set(fibo_run["threads"]) <= {"MainThread", "kemu-watchdog"}
    if fibo_run["native_threads"] is None:
        pytest.skip("no /proc/self/task to count threads a library started behind Python")
    assert fibo_run["native_threads"] == len(fibo_run["threads"])
