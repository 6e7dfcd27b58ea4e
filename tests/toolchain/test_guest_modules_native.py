"""The guest drivers behave as documented, run natively on the host.

fibo.o and echodev.o are built by kemu cc for x86_64 (the host's ABI), linked with a
stand-in kernel (native/host_kernel.c: uiomove, lkmdispatch, malloc ...) and a probe
program that drives them through their cdevsw and entry point, printing key=value facts.
This pins the drivers' own behaviour -- the reconstructed fibo sequence and wrap, the
1.6 DISPATCH order, echodev's buffer and ioctls -- independently of kemu's emulator.
"""
from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from kemu.toolchain import cc

from .conftest import GUEST

NATIVE = Path(__file__).parent / "native"
EINVAL, EBUSY, ENODEV, ENXIO, EEXIST, ENOSPC, ENOTTY, EBADF = 22, 16, 19, 6, 17, 28, 25, 9

pytestmark = pytest.mark.skipif(
    platform.machine() != "x86_64" or platform.system() != "Linux" or shutil.which("gcc") is None,
    reason="native probes need gcc on an x86_64 Linux host",
)


def build_and_run(tmp_path: Path, module: Path, probe: str, defines=()) -> dict[str, str]:
    objects = []
    for source, extra in ((module, defines), (NATIVE / "host_kernel.c", ()), (NATIVE / probe, ())):
        out = tmp_path / (source.stem + ".o")
        request = cc.CompileRequest(target="netbsd-lkm", arch="x86_64", source=source, output=out,
                                    defines=tuple(extra), include_dirs=(str(NATIVE), str(GUEST / "tests")))
        result = cc.compile_object(request, "gcc")
        assert result.ok and result.stderr == "", f"{source.name}: {result.stderr}"
        objects.append(str(out))
    exe = tmp_path / "probe"
    link = subprocess.run(["gcc", "-no-pie", "-o", str(exe), *objects], capture_output=True, text=True)
    assert link.returncode == 0, link.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    facts: dict[str, str] = {}
    for line in run.stdout.splitlines():
        for item in line.split(" "):
            if "=" in item:
                key, value = item.split("=", 1)
                facts[key] = value
        facts["_lines"] = facts.get("_lines", "") + line + "\n"
    return facts


@pytest.fixture(scope="module")
def fibo(tmp_path_factory):
    return build_and_run(tmp_path_factory.mktemp("fibo"), GUEST / "fibo" / "fibo.c", "fibo_probe.c")


@pytest.fixture(scope="module")
def echodev(tmp_path_factory):
    return build_and_run(tmp_path_factory.mktemp("echodev"), GUEST / "tests" / "echodev.c", "echodev_probe.c",
                         defines=("malloc=native_kmalloc", "free=native_kfree"))


def fibonacci_cycle() -> list[int]:
    seq = [1, 1]
    while seq[-1] + seq[-2] < 2**32:
        seq.append(seq[-1] + seq[-2])
    return seq


def seq_values(facts) -> list[int]:
    line = next(l for l in facts["_lines"].splitlines() if l.startswith("seq="))
    return [int(v) for v in line[len("seq="):].split()]


def test_fibo_reads_1_1_2_up_to_2971215073_then_starts_again_at_1_1(fibo):
    cycle = fibonacci_cycle()
    assert len(cycle) == 47 and cycle[-1] == 2971215073
    assert seq_values(fibo) == (cycle * 3)[:100]
    assert "read=0 moved=400" in fibo["_lines"].splitlines()


def test_fibo_every_value_is_below_2971215074(fibo):
    assert max(seq_values(fibo)) == 2971215073


def test_fibo_read_shorter_than_4_bytes_is_EINVAL(fibo):
    line = next(l for l in fibo["_lines"].splitlines() if l.startswith("short_read="))
    assert line == f"short_read={EINVAL} moved=0"


def test_fibo_read_moves_whole_numbers_only(fibo):
    line = next(l for l in fibo["_lines"].splitlines() if l.startswith("odd_read="))
    assert line == "odd_read=0 moved=8"


def test_fibo_minor_opens_once_and_only_minors_0_to_7_exist(fibo):
    assert (fibo["open0"], fibo["open0_again"], fibo["open8"]) == ("0", str(EBUSY), str(ENODEV))


def test_fibo_unused_slots_are_enodev(fibo):
    assert fibo["write_slot"] == str(ENODEV)


def test_fibo_load_prints_the_tutorial_message_and_fills_the_descriptor(fibo):
    assert "fibo: FIBONACCI driver loaded successfully\n" in fibo["_lines"]
    line = next(l for l in fibo["_lines"].splitlines() if l.startswith("private_type="))
    assert line == "private_type=2 devtype=1 offset=-1 name=fibo"


def test_dispatch_rejects_another_lkm_version_without_dispatching(fibo):
    assert (fibo["badver"], fibo["badver_dispatch_calls"]) == (str(EINVAL), "0")


def test_dispatch_returns_the_hook_error_before_lkmdispatch_runs(fibo):
    assert (fibo["exists_load"], fibo["exists_dispatch_calls"]) == (str(EEXIST), "0")


def test_dispatch_calls_lkmdispatch_after_a_successful_hook(fibo):
    lines = fibo["_lines"].splitlines()
    assert next(l for l in lines if l.startswith("load=")) == "load=0 dispatch_calls=1 dispatch_cmd=1"
    assert next(l for l in lines if l.startswith("unload=")) == "unload=0 dispatch_calls=3 dispatch_cmd=2"


def test_fibo_refuses_unload_while_a_minor_is_open(fibo):
    line = next(l for l in fibo["_lines"].splitlines() if l.startswith("unload_while_open="))
    assert line == f"unload_while_open={EBUSY} dispatch_calls=2"   # the STAT call was the 2nd


def test_echodev_reads_back_what_was_written_first_in_first_out(echodev):
    lines = echodev["_lines"].splitlines()
    assert "write1=0 moved=7" in lines and "write2=0 moved=4" in lines
    assert "len=11 error=0" in lines
    assert "read1=0 moved=5 data=hello" in lines
    assert "read2=0 moved=6 data=, kemu" in lines
    assert "read_empty=0 moved=0" in lines


def test_echodev_only_has_minor_0(echodev):
    assert (echodev["open1"], echodev["open0"]) == (str(ENXIO), "0")


def test_echodev_resize_keeps_contents_and_checks_its_argument(echodev):
    assert echodev["cap"] == "512"
    assert echodev["shrink_below_len"] == str(EINVAL)
    assert echodev["resize_readonly"] == str(EBADF)
    assert echodev["resize_too_big"] == str(EINVAL)
    assert "resize=0 allocations=1" in echodev["_lines"].splitlines()
    assert echodev["cap_after"] == "1024"
    assert echodev["kept"] == "0123456789A"


def test_echodev_short_write_when_nearly_full_and_ENOSPC_when_full(echodev):
    lines = echodev["_lines"].splitlines()
    assert "overfill=0 moved=1024" in lines
    assert f"full={ENOSPC} moved=0" in lines
    assert (echodev["clear"], echodev["len_after_clear"]) == ("0", "0")


def test_echodev_unknown_ioctl_is_ENOTTY(echodev):
    assert echodev["unknown_ioctl"] == str(ENOTTY)


def test_echodev_frees_its_buffer_on_unload_and_refuses_while_open(echodev):
    lines = echodev["_lines"].splitlines()
    assert "load=0 allocations=1" in lines
    assert echodev["unload_while_open"] == str(EBUSY)
    assert "unload=0 allocations=0" in lines
