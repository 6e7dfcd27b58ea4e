"""A module whose code faults is an oops on the console, its modcmd fails with EFAULT, and the
kernel stays usable: other modules load and run."""
from __future__ import annotations

import subprocess
import sys

import pytest

from kemu.kernel import SyscallError
from kemu.paths import ROOT

UD2 = b"\x0f\x0b"


def test_a_faulting_fini_keeps_the_module_and_the_kernel_usable(system):
    system.sysctl_set("kern.module.verbose", 1)
    system.modctl_load("chain_c")
    mod = system.modules.lookup("chain_c")
    system.machine.mem.load_code(mod.modcmd, UD2)        # the module's modcmd now faults
    with pytest.raises(SyscallError) as info:
        system.modctl_unload("chain_c")
    assert info.value.name == "EFAULT"
    assert "could not unload module `chain_c' error=14" in system.dmesg()
    assert "chain_c" in system.dmesg() and [r.name for r in system.modctl_stat()] == ["chain_c"]
    system.modctl_load("fibo")
    assert "fibo: FIBONACCI driver loaded successfully" in system.dmesg()


def test_kemu_trace_shows_the_services_a_kmod_calls():
    fibo = ROOT / "fixtures/netbsd/i386/gcc/fibo/fibo.kmod"
    done = subprocess.run([sys.executable, "-m", "kemu", "trace", "--os", "netbsd", "--arch", "i386", str(fibo)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert 'devsw_attach(devname="fibo"' in done.stderr
