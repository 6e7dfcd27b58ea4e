"""`kemu trace`: strace-like service lines, JSON records, instructions within a symbol range."""
import io
import json
import os
import re
import subprocess
import sys

import pytest

import kemu
from kemu.debug.tracer import Tracer

from debug_helpers import ARCHES, fibo_path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
READ4 = "od -A d -t u4 -N 4 /dev/fibo0"


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
    lines = log.splitlines()
    assert re.fullmatch(r"lkmexists\(lkmtp=0x[0-9a-f]+\) = 0", lines[0])
    assert re.fullmatch(r"bzero\(b=0x[0-9a-f]+, len=96\)", lines[1])
    # the format string as strace shows a string: captured at the call, cut at 32 bytes
    assert lines[2] == 'printf(fmt="fibo: FIBONACCI driver loaded su"..., ...)'
    assert any(re.fullmatch(r"uiomove\(buf=0x[0-9a-f]+, n=4, uio=0x[0-9a-f]+\) = 0", l) for l in lines)
    assert re.fullmatch(r"lkmdispatch\(lkmtp=0x[0-9a-f]+, cmd=2\) = 0", lines[-1])   # LKM_E_UNLOAD
    assert "fibo: FIBONACCI driver loaded successfully" in out


def test_json_records_carry_names_values_and_types():
    _, _, log, _ = trace("x86_64", [], as_json=True)
    records = [json.loads(line) for line in log.splitlines()]
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
                           "--run", "mknod /dev/fibo0 c 29 0", "--run", READ4],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"0000000\s+1\n", proc.stdout)
    names = [json.loads(l)["name"] for l in path.read_text().splitlines()]
    assert names[:4] == ["lkmexists", "bzero", "printf", "lkmdispatch"] and "uiomove" in names
