"""Coverage and the run report work on every personality through the shared loader: one
module each (NetBSD LKM, NetBSD module(9), FreeBSD kld, Linux), loaded, used and unloaded
while `RunOutputs` records — the same path `kemu shell`, `kemu trace` and the plugin take."""
from __future__ import annotations

import io
import json

import pytest

import kemu
from kemu.kernel.lcov import parse_lcov
from kemu.kernel.run_outputs import RunOutputs
from kemu.link.line_locator import source_locator

from .covmod import ROOT
from .report_schema import assert_valid

FIX = ROOT / "fixtures"


def _line_of(source: str, text: str) -> int:
    lines = (ROOT / source).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


# system, arch, fixture, source file (in guest/), (function, times entered), a line that must run
CASES = {
    "netbsd-lkm": ("i386", "netbsd-lkm/i386/gcc/fibo-g.o", "guest/netbsd-lkm/fibo/fibo.c",
                   ("fibo_lkmentry", 2), "DISPATCH("),
    "netbsd": ("x86_64", "netbsd/x86_64/gcc/fibo/fibo-g.kmod", "guest/netbsd/modules/fibo/fibo.c",
               ("fibo_modcmd", 2), "fibo_refcnt = 0;"),
    "freebsd": ("i386", "freebsd/i386/clang/fibo-g.ko", "guest/freebsd/fibo/fibo.c",
                ("fibo_modevent", 3), "fibo_destroy_devices();"),     # load, quiesce, unload
    "linux": ("x86_64", "linux/x86_64/hello.ko", "guest/linux/hello/hello.c",
              ("hello_init", 1), 'printk(KERN_ALERT "Goodbye\\n");'),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def recorded(request, tmp_path_factory):
    name = request.param
    arch, fixture, source, function, line_text = CASES[name]
    folder = tmp_path_factory.mktemp(name)
    outputs = RunOutputs("pytest", coverage_path=str(folder / "run.info"), report_path=str(folder / "run.json"))
    system = kemu.boot(name, arch)
    outputs.attach(system, name, name=f"every personality: {name}")
    out = io.StringIO()
    extra = {"entry": "fibo_lkmentry"} if name == "netbsd-lkm" else {}
    module = system.load(str(FIX / fixture), out=out, err=out, **extra)
    module_name = module.name
    system.unload(module)
    outputs.detach(system)
    summary = outputs.write()
    coverage = parse_lcov((folder / "run.info").read_text())
    report = json.loads((folder / "run.json").read_text())
    return name, CASES[name], coverage, report, summary, module_name


def test_the_module_source_lines_that_ran_are_counted(recorded):
    _name, (_arch, _fixture, source, (function, entries), line_text), coverage, _r, summary, _m = recorded
    fc = coverage.find(source.rsplit("/", 1)[1])
    assert fc is not None, sorted(coverage.files)
    assert fc.functions[function][1] == entries
    assert fc.lines[_line_of(source, line_text)] >= 1
    assert fc.lines_hit < fc.lines_found or fc.lines_found == fc.lines_hit > 0
    assert source.rsplit("/", 1)[1] + ": lines " in summary


def test_the_report_is_valid_and_names_the_module_and_its_calls(recorded):
    name, (arch, _f, _s, _fn, _l), _coverage, report, _summary, module_name = recorded
    assert_valid(report)
    [run] = report["runs"]
    assert (run["system"], run["arch"]) == (name, arch)
    assert [m["name"] for m in run["modules"]] == [module_name]
    assert run["modules"][0]["state"] == "gone"
    assert run["calls_total"] > 0 and run["calls"]
    assert run["coverage"]["lines_hit"] > 0 and report["coverage"]["lines_hit"] == run["coverage"]["lines_hit"]


def test_a_shared_object_kld_has_its_lines_at_the_addresses_it_was_loaded_at():
    system = kemu.boot("freebsd", "i386")
    out = io.StringIO()
    module = system.load(str(FIX / "freebsd/i386/gcc/fibo-g.ko"), out=out, err=out)
    assert module.obj.shared
    sym = next(s for s in module.image.symbol_list if s.name == "fibo_modevent")
    where = source_locator(module.obj, module.image)(sym.addr)
    assert where is not None and where[0].endswith("guest/freebsd/fibo/fibo.c")
    # the function's first row is its opening brace, the line after its name
    assert where[1] == _line_of("guest/freebsd/fibo/fibo.c", "fibo_modevent(module_t mod") + 1


def test_a_linux_module_built_elsewhere_finds_its_source_beside_it(tmp_path):
    import shutil
    shutil.copy(FIX / "linux/x86_64/hello.ko", tmp_path / "hello.ko")
    shutil.copy(ROOT / "guest/linux/hello/hello.c", tmp_path / "hello.c")
    outputs = RunOutputs("pytest", coverage_path=str(tmp_path / "run.info"))
    system = kemu.boot("linux", "x86_64")
    outputs.attach(system, "linux")
    out = io.StringIO()
    system.unload(system.load(str(tmp_path / "hello.ko"), out=out, err=out))
    outputs.detach(system)
    outputs.write()
    coverage = parse_lcov((tmp_path / "run.info").read_text())
    assert coverage.find("hello.c").path == str(tmp_path / "hello.c")
