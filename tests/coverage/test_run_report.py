"""The run report: modules with their sections and sha256, decoded service calls, oopses with
symbolized backtraces, leaks at unload, coverage totals — valid against the schema in docs/,
and bounded however many calls a module makes."""
from __future__ import annotations

import hashlib
import io
import json

import jsonschema
import pytest

import kemu
from kemu.kernel import SyscallError
from kemu.kernel.coverage import CoverageRecorder
from kemu.kernel.run_report import RunRecorder, report_document

from .covmod import ROOT, fixture
from .report_schema import SCHEMA, assert_valid

LKM = ROOT / "fixtures" / "netbsd-lkm"


def _run(arch: str, steps, boot=None, **options):
    system = kemu.boot("netbsd-lkm", arch, **(boot or {}))
    coverage = CoverageRecorder(system.kernel).start()
    recorder = RunRecorder(system.kernel, "netbsd-lkm", coverage=coverage, **options).start()
    out = io.StringIO()
    steps(system, out)
    recorder.stop()
    coverage.stop()
    return report_document("kemu shell", [recorder.section()], coverage.coverage()), out.getvalue()


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_a_load_and_unload_lists_the_module_its_sections_and_its_calls():
    path = fixture("i386", "gcc", "0")

    def steps(system, out):
        system.unload(system.load(str(path), out=out, err=out))

    doc, _ = _run("i386", steps)
    assert_valid(doc)
    run = doc["runs"][0]
    assert (run["system"], run["arch"]) == ("netbsd-lkm", "i386")
    [module] = run["modules"]
    assert module["name"] == "covmod" and module["state"] == "gone"
    assert module["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    text = next(s for s in module["sections"] if s["name"] == ".text")
    assert module["base"] <= text["address"] < module["base"] + module["size"] and text["size"] > 0
    names = [c["name"] for c in run["calls"]]
    assert names == ["printf", "lkmdispatch", "printf", "lkmdispatch"]
    first = run["calls"][0]["args"][0]
    assert first["name"] == "fmt" and first["string"] == "covmod: total %d\n" and first["truncated"] is False
    assert run["services"]["printf"] == {"calls": 2, "faults": 0}
    assert run["entry_points"] == {"covmod_lkmentry": {"calls": 2, "failed": 0}}
    assert run["coverage"]["functions_hit"] == 4 and run["coverage"]["functions_found"] == 5
    assert doc["coverage"]["lines_hit"] == run["coverage"]["lines_hit"]


def test_an_oops_has_its_symbolized_backtrace():
    def steps(system, out):
        system.load(str(LKM / "x86_64/gcc/nullread-g.o"), entry="nullread_lkmentry", out=out, err=out)
        system.shell().run_line("mknod /dev/nullread0 c 29 0", out=out, err=out)
        fd = system.open("/dev/nullread0", "r")
        with pytest.raises(SyscallError):
            system.read(fd, 4)
        system.close(fd)

    doc, _ = _run("x86_64", steps)
    assert_valid(doc)
    [oops] = doc["runs"][0]["oopses"]
    assert oops["error"] == "GuestFault" and oops["fault_address"] == 0
    assert oops["symbol"].startswith("nullread_")
    assert oops["source"] and "nullread.c:" in oops["source"]
    assert oops["backtrace"][0]["symbol"] == oops["symbol"]
    assert oops["backtrace"][0]["source"] == oops["source"]
    assert "kemu oops:" in oops["text"]


def test_a_module_stopped_at_its_time_limit_is_an_oops_where_it_spun():
    def steps(system, out):
        with pytest.raises(SyscallError):
            system.load(str(LKM / "i386/gcc/spin.o"), out=out, err=out)
        system.unload(system.load(str(fixture("i386", "gcc", "0")), out=out, err=out))  # still usable

    doc, _ = _run("i386", steps, boot={"call_timeout": 0.2})
    assert_valid(doc)
    [oops] = doc["runs"][0]["oopses"]
    assert (oops["error"], oops["kind"]) == ("GuestTimeout", "timeout")
    assert oops["entry"] == "spin_lkmentry" and oops["symbol"].startswith("spin_")
    assert doc["runs"][0]["entry_points"]["spin_lkmentry"] == {"calls": 1, "failed": 1}
    assert [m["name"] for m in doc["runs"][0]["modules"]] == ["spin", "covmod"]


def test_leaks_at_unload_name_the_allocating_function():
    def steps(system, out):
        system.unload(system.load(str(LKM / "i386/gcc/leaky.o"), out=out, err=out))

    doc, _ = _run("i386", steps)
    assert_valid(doc)
    leaks = doc["runs"][0]["leaks"]
    assert sorted(leak["size"] for leak in leaks) == [28, 100]
    assert all(leak["module"] == "leaky" and leak["caller_symbol"].startswith("leaky_") for leak in leaks)
    assert doc["runs"][0]["modules"][0]["leaked_blocks"] == 2


def test_the_call_list_is_capped_and_says_so_while_the_totals_stay_complete():
    def steps(system, out):
        for _ in range(3):
            system.unload(system.load(str(fixture("i386", "gcc", "2")), out=out, err=out))

    doc, _ = _run("i386", steps, max_calls=5)
    assert_valid(doc)
    run = doc["runs"][0]
    assert len(run["calls"]) == 5 and run["calls_truncated"] is True
    assert run["calls_total"] == 12 and run["calls_left_out"] == 7
    assert sum(t["calls"] for t in run["services"].values()) == 12


def test_identical_consecutive_calls_are_one_entry_with_a_count():
    def steps(system, out):
        fd = system.open("/dev/fibo0", "r")
        for _ in range(4):
            system.read(fd, 4)
        system.close(fd)

    def load_fibo(system, out):
        system.load(str(LKM / "i386/gcc/fibo.o"), out=out, err=out,
                    postinstall=str(ROOT / "guest/netbsd-lkm/fibo/fibo_postinstall.sh"))
        steps(system, out)

    doc, _ = _run("i386", load_fibo)
    assert_valid(doc)
    calls = doc["runs"][0]["calls"]
    assert any(c.get("repeat", 1) > 1 for c in calls)
    assert sum(c.get("repeat", 1) for c in calls) == doc["runs"][0]["calls_total"]


def test_long_strings_are_cut_in_the_report():
    system = kemu.boot("netbsd-lkm", "i386")
    recorder = RunRecorder(system.kernel, "netbsd-lkm", string_limit=8).start()
    out = io.StringIO()
    system.load(str(fixture("i386", "gcc", "0")), out=out, err=out)
    recorder.stop()
    doc = report_document("kemu shell", [recorder.section()])
    assert_valid(doc)
    arg = doc["runs"][0]["calls"][0]["args"][0]
    assert arg["string"] == "covmod: " and arg["truncated"] is True


def test_the_document_is_plain_json():
    doc, _ = _run("i386", lambda system, out: system.load(str(fixture("i386", "clang", "2")), out=out, err=out))
    assert json.loads(json.dumps(doc)) == doc
    assert doc["runs"][0]["modules"][0]["state"] == "live"


def test_a_long_run_keeps_records_not_modules_and_caps_them(monkeypatch):
    import kemu.kernel.coverage as coverage_module
    import kemu.kernel.run_report as report_module
    monkeypatch.setattr(coverage_module, "KEPT_RUNS", 3)
    monkeypatch.setattr(report_module, "MAX_MODULES", 4)

    def steps(system, out):
        for _ in range(6):
            system.unload(system.load(str(fixture("i386", "gcc", "2")), out=out, err=out))

    doc, _ = _run("i386", steps)
    assert_valid(doc)
    run = doc["runs"][0]
    assert len(run["modules"]) == 4 and run["modules_total"] == 6
    assert [m["serial"] for m in run["coverage"]["modules"]] == [4, 5, 6]
    assert run["coverage"]["modules_left_out"] == 3
    assert doc["coverage"]["functions_hit"] == 4          # every load still counted


def test_an_unloaded_module_is_let_go_by_both_recorders():
    system = kemu.boot("netbsd-lkm", "i386")
    coverage = CoverageRecorder(system.kernel).start()
    recorder = RunRecorder(system.kernel, "netbsd-lkm", coverage=coverage).start()
    out = io.StringIO()
    system.unload(system.load(str(fixture("i386", "gcc", "0")), out=out, err=out))
    recorder.section()
    assert coverage.runs[0].module is None and coverage.runs[0].map is None
    assert all(isinstance(m, dict) for m in recorder.modules)


def test_a_panic_is_an_oops_and_a_python_error_is_not():
    from kemu.kernel import KernelPanic
    system = kemu.boot("netbsd-lkm", "i386")
    recorder = RunRecorder(system.kernel, "netbsd-lkm").start()
    panic = KernelPanic("malloc: out of space")
    recorder.call_left(0x1000, None, panic)
    recorder.call_left(0x2000, None, panic)             # the outer call sees the same panic
    recorder.call_left(0x1000, None, ValueError("a service's bug, not the guest's"))
    doc = report_document("kemu shell", [recorder.section()])
    assert_valid(doc)
    [oops] = doc["runs"][0]["oopses"]
    assert (oops["error"], oops["kind"], oops["message"]) == ("KernelPanic", "panic", "malloc: out of space")
