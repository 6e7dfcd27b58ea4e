"""The committed NetBSD 10 guest modules do what guest/netbsd/README.md says, run natively.

The x86_64 fixtures (the host's ABI) are linked, as they are, with a stand-in kernel
(native/host_kernel.c: uiomove, devsw_attach, kmem, module_find_section, a property
dictionary ...) and a probe (native/probe.c) that finds each module through the link set
"modules" -- as a NetBSD kernel finds its built-in modules -- and calls its modcmd as
kern_module.c would, printing "fact key=value" lines. This pins the modules' own behaviour
independently of the emulator that will load them.
"""
from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from kemu.paths import ROOT
from kemu.toolchain import cc

NATIVE = Path(__file__).parent / "native"
FIXTURES = ROOT / "fixtures" / "netbsd" / "x86_64"
MODULES = sorted(p.name for p in (ROOT / "guest" / "netbsd" / "modules").iterdir() if p.is_dir())
EINVAL, EBUSY, ENODEV, ENXIO, EEXIST, ENOTTY, ENOENT = 22, 16, 19, 6, 17, 25, 2

pytestmark = [
    pytest.mark.needs_tool,
    pytest.mark.skipif(platform.machine() != "x86_64" or platform.system() != "Linux"
                       or shutil.which("gcc") is None or shutil.which("ld") is None,
                       reason="native probes need gcc and ld on an x86_64 Linux host"),
]


def run_probe(tmp_path: Path, compiler: str) -> tuple[dict[str, str], list[str]]:
    objects = [str(FIXTURES / compiler / name / f"{name}.kmod") for name in MODULES]
    for source in (NATIVE / "host_kernel.c", NATIVE / "probe.c"):
        out = tmp_path / (source.stem + ".o")
        request = cc.CompileRequest(target="netbsd", arch="x86_64", source=source, output=out,
                                    include_dirs=(str(NATIVE),))
        result = cc.compile_object(request, "gcc")
        assert result.ok and result.stderr == "", f"{source.name}: {result.stderr}"
        objects.append(str(out))
    exe = tmp_path / "probe"
    link = subprocess.run(["gcc", "-no-pie", "-o", str(exe), *objects], capture_output=True, text=True)
    assert link.returncode == 0, link.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    facts, log = {}, []
    for line in run.stdout.splitlines():
        if line.startswith("fact "):
            key, value = line[5:].split("=", 1)
            facts[key] = value
        elif line.startswith("| "):
            log.append(line[2:])
    return facts, log


@pytest.fixture(scope="module", params=cc.COMPILERS)
def probe(request, tmp_path_factory):
    return run_probe(tmp_path_factory.mktemp(f"probe-{request.param}"), request.param)


def test_every_module_record_is_found_through_the_link_set(probe):
    facts, _ = probe
    # one modinfo per module, two for twomodinfo, none for nomodinfo
    assert int(facts["fibo.modules"]) == len(MODULES)
    assert facts["fibo.class"] == "3" and facts["circ_a.class"] == "1"
    assert facts["oldversion.version"] == "900000000"


def test_fibo_attaches_a_dynamic_major_and_reads_the_sequence(probe):
    facts, log = probe
    assert facts["fibo.init"] == "0" and facts["fibo.major"] == "341"
    assert "fibo: FIBONACCI driver loaded successfully (major 341)" in log
    assert [int(facts[f"fibo.v{i}"]) for i in range(10)] == [1, 1, 2, 3, 5, 8, 13, 21, 34, 55]
    assert facts["fibo.f47"] == "2971215073" and facts["fibo.after"] == "1,1,2"


def test_fibo_refuses_second_open_bad_minor_short_read_and_busy_unload(probe):
    facts, _ = probe
    assert facts["fibo.open0"] == "0"
    assert facts["fibo.open0_again"] == str(EBUSY)
    assert facts["fibo.open8"] == str(ENXIO)
    assert facts["fibo.short_read"] == str(EINVAL)
    assert facts["fibo.fini_busy"] == str(EBUSY)
    assert facts["fibo.stat"] == str(ENOTTY)
    assert (facts["fibo.fini"], facts["fibo.detached"]) == ("0", "1")


def test_props_reads_int_string_and_bool_with_the_typed_getters(probe):
    facts, log = probe
    assert facts["props.init"] == "0"
    assert (facts["props.count"], facts["props.greeting"], facts["props.verbose"]) == \
        ("42", "hello from props.plist", "1")
    assert log[log.index("props: 3 properties"):][:4] == [
        "props: 3 properties", "props: count = 42", 'props: greeting = "hello from props.plist"',
        "props: verbose = true"]


def test_props_without_a_dictionary_or_with_wrong_types_loads_with_defaults(probe):
    facts, log = probe
    assert facts["props.init_null"] == "0" and "props: no properties" in log
    assert facts["props.init_wrong_types"] == "0" and facts["props.count_after_wrong_types"] == "-1"
    assert facts["props.init_too_big"] == "0"          # does not fit int32: the getter says no
    assert facts["props.init_negative"] == str(EINVAL)


def test_chain_calls_across_modules_and_accepts_autounload(probe):
    facts, log = probe
    assert (facts["chain.c_init"], facts["chain.b_init"], facts["chain.a_init"]) == ("0", "0", "0")
    assert "chain_b: loaded, chain_c_value() = 3" in log
    assert "chain_a: loaded, chain_b_value() + chain_c_value() = 26" in log
    assert facts["chain.a_required"] == "chain_b,chain_c" and facts["chain.b_required"] == "chain_c"
    assert facts["chain.c_required_null"] == "1"
    assert facts["chain.a_autounload"] == str(ENOTTY)
    assert facts["chain.b_autounload"] == facts["chain.c_autounload"] == "0"


def test_noautounload_declines_and_initfail_fails_without_leaking(probe):
    facts, _ = probe
    assert facts["noautounload.autounload"] == str(EBUSY) and facts["noautounload.asked"] == "1"
    assert facts["noautounload.fini"] == "0"
    assert facts["initfail.init"] == str(ENODEV)
    assert facts["initfail.live_allocations"] == "0" and facts["initfail.size_mismatches"] == "0"


def test_selfload_needs_eexist_and_ebusy_from_the_kernel(probe):
    facts, _ = probe
    assert facts["selfload.init"] == "0" and facts["selfload.asked_for"] == "selfload"
    assert facts["selfload.init_when_kernel_allows"] == str(EINVAL)
    assert facts["selfload.fini"] == "0"
    assert facts["selfload.fini_when_kernel_allows"] == str(EINVAL)


def test_findsect_checks_its_own_sections(probe):
    facts, log = probe
    assert facts["findsect.init"] == "0"
    assert (facts["findsect.size"], facts["findsect.linkset_size"]) == ("16", "8")
    assert facts["findsect.missing"] == str(ENOENT)
    assert 'findsect: kemu_blob: 16 bytes, "kemu blob"' in log


def test_callbacks_see_loaded_modules_and_unregister(probe):
    facts, log = probe
    assert facts["callbacks.init"] == "0" and facts["callbacks.fini"] == "0"
    assert (facts["callbacks.loads"], facts["callbacks.unloads"], facts["callbacks.registered"]) == ("2", "2", "0")
    assert "callbacks: load builtin_thing (builtin)" in log and "callbacks: load fibo (filesys)" in log
