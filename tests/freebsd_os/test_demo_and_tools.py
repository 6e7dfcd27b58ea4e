"""`kemu demo --os freebsd`, `kemu trace` on a kld, and the pytest plugin over the FreeBSD
personality: the layers above the kernel work on klds unchanged."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from kemu.os.freebsd.demo import run_demo
from kemu.paths import ROOT, fixture


def test_the_demo_shows_fibo_end_to_end(arch):
    out = io.StringIO()
    assert run_demo(out, arch, "gcc") == 0
    text = out.getvalue()
    assert "Loaded fibo, id=2" in text
    assert "        233        377        610        987" in text
    assert "kldunload: can't unload file: Device busy" in text
    assert text.rstrip().endswith("kernel")


def test_kemu_trace_shows_a_klds_service_calls():
    path = fixture("freebsd", "i386", "gcc", "fibo.ko")
    done = subprocess.run([sys.executable, "-m", "kemu", "trace", "--os", "freebsd", "--arch", "i386", str(path),
                           "--run", "od -An -tu4 -N 8 /dev/fibo0"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "fibo: FIBONACCI driver loaded successfully" in done.stdout
    assert done.stdout.splitlines()[-1].split() == ["1", "1"]
    assert 'make_dev(devsw=' in done.stderr and 'fmt="fibo%d"' in done.stderr
    assert "-> fibo_read(" in done.stderr and "uiomove(cp=" in done.stderr


def test_the_pytest_plugin_loads_and_unloads_a_kld(pytester):
    fixtures = Path(fixture("freebsd", "x86_64", "gcc"))
    pytester.makepyfile(test_module=f'''
import struct
import pytest
FIX = {str(fixtures)!r}

@pytest.mark.kemu(os="freebsd", arch="x86_64")
def test_fibo(kemu_system, kemu_load, kemu_open):
    module = kemu_load(FIX + "/fibo.ko")
    assert module.name == "fibo.ko"
    fd = kemu_open("/dev/fibo0")
    assert struct.unpack("<5I", kemu_system.read(fd, 20)) == (1, 1, 2, 3, 5)

@pytest.mark.kemu(os="freebsd", arch="x86_64")
def test_busy(kemu_load):
    kemu_load(FIX + "/noquiesce.ko")
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)


def test_kemu_shell_module_path_is_where_kldload_looks():
    directory = fixture("freebsd", "x86_64", "clang")
    done = subprocess.run([sys.executable, "-m", "kemu", "shell", "--os", "freebsd", "--arch", "amd64",
                           "--module-path", str(directory), "-c", "kldload -v depuser && sysctl -n kern.module_path"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["Loaded depuser, id=2", str(directory)]


def test_kemu_shell_refuses_a_module_path_for_a_system_without_one():
    done = subprocess.run([sys.executable, "-m", "kemu", "shell", "--os", "netbsd-lkm", "--module-path", ".",
                           "-c", "true"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stderr == "kemu shell: --module-path is FreeBSD's kern.module_path; netbsd-lkm has none\n"
