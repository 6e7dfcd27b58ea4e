"""The small kernel interfaces of kern_misc.py as a kld calls them (fixture kmisc), and
DELAY moving the virtual clock."""
from __future__ import annotations

import pytest

from kemu.kernel import GuestCrash


def test_kmisc_gets_freebsds_answers_on_both_arches(system):
    mark = len(system.dmesg())
    system.kldload("kmisc")
    assert system.dmesg()[mark:].splitlines() == [
        "kmisc: token a", "kmisc: token bb", "kmisc: token ccc",
        "kmisc: strtol -31 end ' rest' ffs 4 fls 5",
        "kmisc: name kmisc id 1 strstr world casecmp 0",
        "kmisc: usable 16 boot 0 cold 0",
        "kmisc: ticks 2 rnd 1",
    ]
    assert system.kernel.heap.leaks("kmisc") == []


def test_critical_exit_without_enter_panics(system):
    with pytest.raises(GuestCrash):
        system.call_guest(system.kernel.symbols.lookup("critical_exit_KBI"), what="critical_exit")
    assert "panic: critical_exit: td_critnest == 0" in system.dmesg()
