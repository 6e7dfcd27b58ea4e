"""libkern strings, kmem_asprintf/kmem_strfree and log(9) as a NetBSD 10 module calls them,
on both arches; printf_nolog and uprintf reach the console but not dmesg."""
from __future__ import annotations

import pytest

import kemu
from kemu.paths import ROOT


def _boot(arch):
    return kemu.boot("netbsd", arch, modules=str(ROOT / "fixtures/netbsd" / arch / "gcc"))


@pytest.mark.parametrize("arch", ["x86_64", "i386"])
def test_string_calls_give_libkern_results_and_log_reaches_dmesg(arch):
    system = _boot(arch)
    system.modctl_load("strdemo")
    lines = [line for line in system.dmesg().splitlines() if line.startswith("strdemo:")]
    assert lines == [
        'strdemo: strlcpy = 4 "kemu"',
        'strdemo: strlcat = 18 "kemu-netbsd-mod"',
        "strdemo: strlen = 15",
        "strdemo: strcmp = 1 strncmp = 0",
        "strdemo: memcmp = 0",
        'strdemo: asprintf "unit/7"',
        "strdemo: logged at 6",
    ]
    system.modctl_unload("strdemo")
    assert system.leaks() == []      # kmem_strfree gave back what kmem_asprintf took


def test_kmem_strfree_of_an_overwritten_string_panics_with_both_sizes():
    from kemu.kernel import KernelPanic
    from kemu.os.netbsd.services_printf import kmem_strfree
    system = _boot("x86_64")
    k = system.kernel
    block = k.heap.alloc(4, "kmem")
    k.machine.mem.write(block, b"toolong\0")     # runs past the 4 bytes

    class Call:
        return_address = 0
    with pytest.raises(KernelPanic, match="strlen\\+1 = 8 != allocated size 4"):
        kmem_strfree.service.func(k, block, call=Call())


def test_printf_nolog_and_uprintf_reach_the_console_but_not_dmesg():
    from kemu.os.netbsd.services_printf import printf_nolog, uprintf
    system = _boot("x86_64")
    k = system.kernel
    seen = []
    k.msgbuf.console = seen.append
    fmt = k.heap.alloc(16, "test")
    k.machine.mem.write(fmt, b"quiet line\n\0")
    printf_nolog.service.func(k, fmt, None)
    uprintf.service.func(k, fmt, None)
    assert seen == ["quiet line\n", "quiet line\n"]
    assert "quiet line" not in system.dmesg()


def test_errno_helpers_return_netbsds_numbers():
    from kemu.os.netbsd import services_printf as p
    k = _boot("i386").kernel
    assert [f.service.func(k) for f in (p.enosys, p.enoioctl, p.enxio, p.eopnotsupp)] == [78, 25, 6, 45]
