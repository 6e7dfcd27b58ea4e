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
import kemu.kernel.kernel as kernel_module
from kemu.cli.main import main
built = []                            # services whose trap handler was generated
real_build_handler = kernel_module.build_handler
def recording_build_handler(kernel, svc, *args):
    built.append(svc.name)
    return real_build_handler(kernel, svc, *args)
kernel_module.build_handler = recording_build_handler
status = main(["shell", "--arch", sys.argv[1], "-c", "modload " + sys.argv[2]])
task_dir = "/proc/self/task"
print(json.dumps({
    "status": status,
    "modules": sorted(sys.modules),
    "threads": sorted(t.name for t in threading.enumerate()),
    "native_threads": len(os.listdir(task_dir)) if os.path.isdir(task_dir) else None,
    "handlers_built": built,
}))
"""

# dataclasses: @dataclass compiles each class's methods at import (~0.4 ms a class); the records
# a plain run defines are NamedTuples or kemu.record classes instead
NOT_NEEDED = ("numpy", "capstone", "elftools", "keystone", "kemu.toolchain", "kemu.debug", "dataclasses")

# kemu's own modules a plain modload does not use: each is imported when first needed.
LAZY = {
    "kemu.link.source_lines": "the DWARF line reader (an oops asks for file:line)",
    "kemu.link.dwarf_image": "the debug sections' relocation (an oops, the debugger)",
    "kemu.machine.disasm": "the disassembler (an oops, the debugger)",
    "kemu.machine.oops": "the oops report (a fault)",
    "kemu.machine.debug_hooks": "debugger hooks (the debugger, kemu trace)",
    "kemu.userland.od": "od (when od runs)",
    "kemu.os.netbsd_lkm.postinstall": "modload -p's script runner",
    "kemu.os.netbsd_lkm.fibotest": "./fibotest",
    "kemu.link.elf_writer": "the ELF writer (modload -S, kemu link -o)",
    "kemu.kernel.service_call": "the trace's decoded calls (kemu trace, the debugger)",
    "kemu.kernel.missing_call": "lenient loads' record of missing functions",
    "kemu.elf.tables": "relocation tables as arrays, section groups, ET_DYN records",
    "kemu.link.got": "the numpy linker's GOT planning",
    "kemu.link.resolve": "the numpy linker's symbol values",
    "kemu.os.netbsd_lkm.commands.modstat": "modstat (when it runs)",
    "kemu.os.netbsd_lkm.commands.modunload": "modunload (when it runs)",
    "kemu.kernel.coverage": "the coverage recorder (--coverage, --report)",
    "kemu.kernel.coverage_map": "the coverage line map (--coverage, --report)",
    "kemu.kernel.run_report": "the run report (--report)",
    "kemu.kernel.lcov": "coverage counts (--coverage, --report)",
}


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
    report["arch"] = request.param
    assert "fibo: FIBONACCI driver loaded successfully" in done.stdout
    return report


def test_loading_fibo_imports_no_disassembler_dwarf_reader_assembler_toolchain_or_dataclasses(fibo_run):
    loaded = [name for name in fibo_run["modules"]
              if any(name == top or name.startswith(top + ".") for top in NOT_NEEDED)]
    assert loaded == []


def test_loading_fibo_imports_none_of_kemus_modules_it_does_not_use(fibo_run):
    loaded = {name: why for name, why in LAZY.items() if name in fibo_run["modules"]}
    assert loaded == {}


def test_loading_fibo_imports_only_its_own_archs_relocation_table(fibo_run):
    own = "kemu.link.reloc_i386" if fibo_run["arch"] == "i386" else "kemu.link.reloc_x86_64"
    tables = [name for name in fibo_run["modules"] if name.startswith("kemu.link.reloc_")
              and name not in ("kemu.link.reloc_types", "kemu.link.reloc_dynamic")]
    assert tables == [own]


def test_loading_fibo_generates_trap_handlers_only_for_the_services_it_calls(fibo_run):
    built = fibo_run["handlers_built"]
    assert "printf" in built                       # fibo's init prints its banner
    assert len(built) == len(set(built))           # each once, then in the stub's place
    assert len(built) < 20                         # of the 52 services a NetBSD boot installs


def test_loading_fibo_starts_no_thread_but_the_watchdog(fibo_run):
    assert set(fibo_run["threads"]) <= {"MainThread", "kemu-watchdog"}
    if fibo_run["native_threads"] is None:
        pytest.skip("no /proc/self/task to count threads a library started behind Python")
    assert fibo_run["native_threads"] == len(fibo_run["threads"])
