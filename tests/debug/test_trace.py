"""`kemu trace`: strace-like service lines, JSON records, instructions within a symbol range."""
import io
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

import kemu
from kemu.debug.tracer import Tracer

from debug_helpers import ARCHES, fibo_path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
READ4 = "od -A d -t u4 -N 4 /dev/fibo0"


def service_lines(log):
    """The trace's service call lines (not the module's entry events or repeat counts)."""
    return [l for l in log.splitlines() if not l.startswith(("-> ", "<- ", "  "))]


def trace(arch, commands, *, as_json=False, instructions=(), debug=False):
    system = kemu.boot("netbsd-lkm", arch)
    out, log = io.StringIO(), io.StringIO()
    system.console = out.write
    tracer = Tracer(system, out=out, trace_out=log, as_json=as_json, instruction_ranges=instructions)
    status = tracer.run(fibo_path(arch, "gcc", debug), commands, entry="fibo_lkmentry")
    return status, out.getvalue(), log.getvalue(), tracer


@pytest.mark.parametrize("arch", ARCHES)
def test_load_read_unload_lines_have_decoded_arguments_and_results(arch):
    status, out, log, _ = trace(arch, ["mknod /dev/fibo0 c 29 0", READ4, "modunload -n fibo"])
    assert status == 0
    lines = service_lines(log)
    assert re.fullmatch(r"lkmexists\(lkmtp=0x[0-9a-f]+\) = 0", lines[0])
    assert re.fullmatch(r"bzero\(b=0x[0-9a-f]+, len=96\)", lines[1])
    # the format string as strace shows a string: captured at the call, cut at 32 bytes
    assert lines[2] == 'printf(fmt="fibo: FIBONACCI driver loaded su"..., ...)'
    assert any(re.fullmatch(r"uiomove\(buf=0x[0-9a-f]+, n=4, uio=0x[0-9a-f]+\) = 0", l) for l in lines)
    assert re.fullmatch(r"lkmdispatch\(lkmtp=0x[0-9a-f]+, cmd=2\) = 0", lines[-1])   # LKM_E_UNLOAD
    assert "fibo: FIBONACCI driver loaded successfully" in out


def test_json_records_carry_names_values_and_types():
    _, _, log, _ = trace("x86_64", [], as_json=True)
    records = [r for r in map(json.loads, log.splitlines()) if r["type"] == "call"]
    first = records[0]
    assert first["type"] == "call" and first["name"] == "lkmexists" and first["result"] == 0
    assert first["args"][0]["name"] == "lkmtp" and first["args"][0]["type"] == "struct lkm_table *"
    bzero = records[1]
    assert bzero["name"] == "bzero" and bzero["args"][1] == {"name": "len", "value": 96, "type": "size_t"}


def test_json_records_carry_both_the_pointer_and_the_string():
    system = kemu.boot("netbsd-lkm", "x86_64")
    log = io.StringIO()
    tracer = Tracer(system, out=io.StringIO(), trace_out=log, as_json=True)
    tracer.run(fibo_path("x86_64"), [], entry="fibo_lkmentry")
    printf = next(r for r in map(json.loads, log.getvalue().splitlines()) if r["name"] == "printf")
    fmt = printf["args"][0]
    assert fmt["name"] == "fmt" and fmt["type"] == "const char *"
    assert system.modstat()[0].name == "fibo"
    assert fmt["string"] == "fibo: FIBONACCI driver loaded su" and fmt["truncated"] is True
    module = system.module_at(fmt["value"])                       # the pointer into the module's data
    assert module is not None and module.name == "fibo"
    assert system.machine.mem.read_cstr(fmt["value"]).startswith(fmt["string"].encode())


@pytest.mark.parametrize("arch", ARCHES)
def test_instructions_are_traced_only_inside_the_named_function(arch):
    status, _, log, tracer = trace(arch, ["mknod /dev/fibo0 c 29 0", READ4], instructions=["fibo_read"])
    insns = [l for l in log.splitlines() if l.startswith("  0x")]
    assert insns and all(re.match(r"  0x[0-9a-f]+ <fibo_read(\+\d+)?>:\t\S", l) for l in insns)
    assert insns[0].split(":")[0].endswith("<fibo_read>")          # starts at the function's entry
    # the uiomove call shows as a call to the service by name, then the trace line of the call
    joined = "\n".join(log.splitlines())
    assert re.search(r"<fibo_read\+\d+>:\tcall\s+uiomove\nuiomove\(buf=", joined)
    assert tracer.instructions == len(insns)


def test_unknown_instruction_range_is_an_error_naming_it():
    status, _, _, tracer = trace("i386", [], instructions=["no_such_function"])
    assert tracer.errors == ['kemu trace: --instructions no_such_function: Function "no_such_function" not defined.']


def test_cli_s_sets_how_much_of_a_string_is_shown():
    proc = subprocess.run([sys.executable, "-m", "kemu", "trace", fibo_path("i386"), "-s", "4"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'printf(fmt="fibo"..., ...)' in proc.stderr.splitlines()
    bad = subprocess.run([sys.executable, "-m", "kemu", "trace", fibo_path("i386"), "-s", "-1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "-s -1: the string size cannot be negative" in bad.stderr


def test_cli_writes_the_trace_to_a_file_and_json_lines(tmp_path):
    path = tmp_path / "trace.jsonl"
    proc = subprocess.run([sys.executable, "-m", "kemu", "trace", fibo_path("i386"), "--json", "-o", str(path),
                           "--run", "mknod /dev/fibo0 c 29 0", "--run", "od -A d -t u4 -N 8 /dev/fibo0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"0000000\s+1\s+1\n", proc.stdout)
    records = [json.loads(l) for l in path.read_text().splitlines()]
    names = [r["name"] for r in records if r["type"] == "call"]
    assert names[:4] == ["lkmexists", "bzero", "printf", "lkmdispatch"] and "uiomove" in names
    assert names.count("uiomove") > 1                   # JSON keeps every call, nothing collapsed
    assert {"type": "return", "name": "fibo_read", "result": 0, "text": "<- fibo_read = 0"} in records


def kemu_trace(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kemu", "trace", *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_identical_consecutive_lines_print_once_with_a_count():
    _, _, log, tracer = trace("i386", ["mknod /dev/fibo0 c 29 0", "od -A d -t u4 -N 64 /dev/fibo0"])
    lines = log.splitlines()
    assert all(a != b for a, b in zip(lines, lines[1:]))
    at = next(i for i, l in enumerate(lines) if l.startswith("uiomove("))
    more = re.fullmatch(r"  \(the same line (\d+) more times\)", lines[at + 1])
    assert more and int(more.group(1)) >= 15                  # 16 words of 4 bytes at least
    assert sum(1 for l in lines if l.startswith("uiomove(")) == 1


@pytest.mark.parametrize("arch", ARCHES)
def test_entry_points_the_kernel_calls_show_with_their_dwarf_argument_names(arch):
    status, _, log, _ = trace(arch, ["mknod /dev/fibo0 c 29 0", READ4], debug=True)
    assert status == 0
    lines = log.splitlines()
    assert re.fullmatch(r"-> fibo_lkmentry\(lkmtp=0x[0-9a-f]+, cmd=1, ver=1\)", lines[0])
    assert "<- fibo_lkmentry = 0" in lines
    read = next(i for i, l in enumerate(lines) if l.startswith("-> fibo_read("))
    assert re.fullmatch(r"-> fibo_read\(dev=7424, uio=0x[0-9a-f]+, flag=0\)", lines[read])
    assert lines[read + 1].startswith("uiomove(")
    assert "<- fibo_read = 0" in lines[read:]
    assert re.search(r"-> fibo_open\(dev=7424, flag=1, mode=8192, p=0x[0-9a-f]+\)", log)


def test_entry_points_without_dwarf_show_the_values_passed():
    _, _, log, _ = trace("i386", [])
    assert re.match(r"-> fibo_lkmentry\(0x[0-9a-f]+, 1, 1\)\n", log)


def test_summary_counts_calls_errors_and_time_per_service():
    p = kemu_trace(fibo_path("x86_64"), "-e", "fibo_lkmentry", "-c",
                   "--run", "mknod /dev/fibo0 c 29 0", "--run", "od -A d -t u4 -N 8 /dev/fibo0")
    assert p.returncode == 0, p.stderr
    rows = {line.split()[-1]: line.split() for line in p.stderr.splitlines()[2:] if not line.startswith("-")}
    assert p.stderr.startswith("% time     seconds  usecs/call     calls    errors service\n")
    assert set(rows) == {"lkmexists", "bzero", "printf", "lkmdispatch", "uiomove", "total"}
    assert rows["lkmexists"][3] == "1" and int(rows["uiomove"][3]) >= 2
    assert int(rows["total"][2]) == sum(int(r[3]) for n, r in rows.items() if n != "total")
    assert float(rows["total"][1]) > 0
    assert "uiomove(" not in p.stderr                          # a table instead of the lines


def test_run_lines_are_guest_shell_lines():
    p = kemu_trace(fibo_path("i386"), "--run", "help")
    assert p.returncode == 0, p.stderr
    assert "NetBSD 1.6 console" in p.stdout                    # the guest's help, not the debugger's


def test_a_failing_run_line_makes_trace_exit_with_its_status():
    p = kemu_trace(fibo_path("i386"), "--run", "od -N 4 /dev/fibo0", "--run", "modstat")
    assert p.returncode == 1
    assert "od: /dev/fibo0: No such file or directory" in p.stderr
    assert "kemu trace: --run 'od -N 4 /dev/fibo0' failed with exit status 1" in p.stderr
    assert "fibo" in p.stdout.split("Module loaded as ID 0", 1)[1]   # later lines still ran


def test_the_readme_trace_example_works_as_written():
    readme = open(os.path.join(ROOT, "README.md")).read()
    line = next(l for l in readme.splitlines() if l.startswith("$ kemu trace "))
    argv = shlex.split(line[len("$ kemu trace "):])
    p = kemu_trace(*argv)
    assert p.returncode == 0, p.stderr
    assert re.search(r"0000000\s+1\n0000004\n", p.stdout)
    assert re.search(r"^-> fibo_read\(", p.stderr, re.M) and "<- fibo_read = 0" in p.stderr
