"""A module freeing memory it never got (kfree/free_pages of a stray address) is the kernel's
panic for that call, reported on the console; the machine carries on (kemu/kernel/guarded.py).
aoe's exit frees such an address; it used to escape as an internal error and end the trial."""
from __future__ import annotations

import pytest

from kemu.kernel import GuestCrash
from kemu.kernel.guarded import guarded_call

from .conftest import ko


@pytest.mark.parametrize("service", ["kfree", "free_pages"])
def test_a_bad_free_panics_the_call_and_names_the_address(linux, service):
    stray = linux.machine.layout["kheap"].start + 0x1234000
    with pytest.raises(GuestCrash) as info:
        guarded_call(linux.kernel, linux.kernel.installed[service][1], stray, 0, what="test: exit")
    assert info.value.name == "EFAULT"
    assert f"panic: kernel heap: free of {stray:#x}" in linux.dmesg()
    assert "test: exit abandoned; the machine carries on" in linux.dmesg()


def test_the_machine_stays_usable_after_a_bad_free(linux):
    with pytest.raises(GuestCrash):
        guarded_call(linux.kernel, linux.kernel.installed["kfree"][1], 0x1004000, what="test")
    linux.insmod(str(ko(linux.arch, "hello")))
    linux.rmmod("hello")
    assert linux.kernel.heap.leaks() == []
