"""Where people ask for coverage and reports: `kemu shell --coverage/--report`, `kemu trace
--coverage/--report`, and the pytest plugin's `--kemu-cov/--kemu-report` (merged over tests)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from kemu.kernel.lcov import parse_lcov

from .covmod import ROOT, fixture, marked
from .report_schema import assert_valid

ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def kemu(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kemu", *args], capture_output=True, text=True,
                          cwd=cwd, env=ENV, timeout=120)


def test_kemu_shell_writes_the_tracefile_the_report_and_a_summary(tmp_path):
    obj = fixture("x86_64", "gcc", "0")
    done = kemu("shell", "--arch", "x86_64", "--coverage", "run.info", "--report", "run.json",
                "-c", f"modload {obj}; modunload -n covmod", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    coverage = parse_lcov((tmp_path / "run.info").read_text())
    fc = coverage.find("covmod.c")
    assert fc.path == str(ROOT / "guest" / "coverage" / "covmod.c")     # found from the object's place
    assert fc.hit_lines() == marked("hit") & set(fc.lines)
    assert f"covmod.c: lines {100.0 * fc.lines_hit / fc.lines_found:.1f}%" in done.stderr
    report = json.loads((tmp_path / "run.json").read_text())
    assert_valid(report)
    assert report["tool"] == "kemu shell" and report["runs"][0]["modules"][0]["name"] == "covmod"


def test_kemu_trace_writes_them_too(tmp_path):
    obj = ROOT / "fixtures/netbsd-lkm/i386/gcc/fibo-g.o"
    done = kemu("trace", str(obj), "-e", "fibo_lkmentry", "--coverage", "t.info", "--report", "t.json",
                "--run", "mknod /dev/fibo0 c 29 0", "--run", "od -N 8 -t u4 /dev/fibo0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    fc = parse_lcov((tmp_path / "t.info").read_text()).find("fibo.c")
    assert fc.functions["fibo_read"][1] >= 1 and fc.functions["fibo_open"][1] == 1
    report = json.loads((tmp_path / "t.json").read_text())
    assert_valid(report)
    assert report["tool"] == "kemu trace"
    assert "uiomove" in report["runs"][0]["services"]


def test_an_output_in_a_missing_directory_is_refused_before_the_run(tmp_path):
    done = kemu("shell", "--coverage", "nowhere/run.info", "-c", "modstat", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("kemu shell: --coverage nowhere/run.info: no such directory")
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_the_plugin_merges_coverage_over_tests_and_reports_each(pytester):
    obj = fixture("i386", "clang", "0")
    pytester.makepyfile(test_cov=f'''
OBJ = {str(obj)!r}

def test_one(kemu_load):
    kemu_load(OBJ)

def test_two(kemu_load):
    kemu_load(OBJ)
''')
    info, report = pytester.path / "all.info", pytester.path / "all.json"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--kemu-cov={info}",
                                           f"--kemu-report={report}")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*kemu coverage*", "*covmod.c: lines *functions 4 of 5*",
                                 f"kemu: coverage tracefile written to {info}",
                                 f"kemu: run report written to {report}"])
    fc = parse_lcov(info.read_text()).find("covmod.c")
    assert fc.functions["covmod_load"][1] == 2 and fc.functions["covmod_unload"][1] == 2
    doc = json.loads(report.read_text())
    assert_valid(doc)
    assert [run["name"] for run in doc["runs"]] == ["test_cov.py::test_one", "test_cov.py::test_two"]
    assert doc["tool"] == "pytest"


def test_the_plugin_refuses_an_unwritable_output_before_testing(pytester):
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--kemu-cov=missing/dir/x.info")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*kemu: --kemu-cov missing/dir/x.info: no such directory*"])
