"""callout(9), pause/tsleep/msleep/wakeup and the clock reads on the virtual clock (fixture
timermod and direct calls), on both arches."""
from __future__ import annotations

import pytest

import kemu
from kemu.kernel import GuestCrash

from .conftest import fixture_dir
from .test_commands import Console

TIMERMOD_LOAD = [
    "timermod: hz=1000 tick=1000 tick_sbt=4294967",
    "timermod: pause returned 35 after 250 ticks (250000 us)",
    "timermod: msleep woken: error 0 done 1 after 30 ticks",
    "timermod: tsleep timed out: error 35 after 5 ticks",
    "timermod: pending=1 active=1",
]


def lines_after(system, mark: int) -> list[str]:
    return system.dmesg()[mark:].splitlines()


def call(system, name: str, *args: int) -> int:
    return system.call_guest(system.kernel.symbols.lookup(name), *args, what=name)


def _int(system, name: str) -> int:
    return int.from_bytes(system.machine.mem.read(system.kernel.symbols.lookup(name), 4), "little")


def test_pause_msleep_with_a_waking_callout_and_a_timed_out_tsleep(system):
    mark = len(system.dmesg())
    system.kldload("timermod")
    assert lines_after(system, mark) == TIMERMOD_LOAD
    assert system.clock.ticks == 285 == _int(system, "ticks")


def test_a_periodic_callout_fires_every_period_with_its_mutex_held_until_stopped(system):
    system.kldload("timermod")
    mark = len(system.dmesg())
    system.advance(1)
    assert lines_after(system, mark) == [f"timermod: tick {n} at +{100 * n} ticks (periodic)" for n in (1, 2, 3)]
    fires = system.sysctl.read(system.sysctl.find("debug.timermod.fires"))
    assert fires == 10
    mark = len(system.dmesg())
    system.unload("timermod.ko")
    assert lines_after(system, mark) == ["timermod: stopped=1 active=0 after 10 firings"]
    assert system.callouts.pending == {}


def test_sleep_at_the_console_lets_callouts_fire(arch):
    console = Console(kemu.boot("freebsd", arch), fixture_dir(arch))
    console.run("kldload timermod")
    assert console.run("sleep 0.5")[0] == 0
    assert console.run("sysctl -n debug.timermod.fires")[1] == "5\n"
    assert console.run("sleep 1m")[0] == 0
    assert console.run("sysctl -n debug.timermod.fires")[1] == "605\n"
    assert console.run("sleep soon") == (1, "", "usage: sleep number[unit] [...]\n")


def test_a_callout_left_pending_by_an_unloaded_kld_is_reported_and_dropped_safely(system):
    system.kldload("timermod")
    system.sysctl.write(system.sysctl.find("debug.timermod.forget"), 1)
    loaded = system.linker.by_name("timermod.ko").loaded
    mark = len(system.dmesg())
    system.unload("timermod.ko")
    assert "kemu: timermod.ko left 1 callout(s) pending after unload; firing them will fault" in \
        lines_after(system, mark)
    assert "callout" in loaded.left_behind
    system.advance(1)
    assert "dropped, the clock goes on" in system.dmesg()
    assert system.callouts.pending == {}
    assert system.kldload("evlog")


def test_time_words_and_clock_reads_follow_the_virtual_clock(system):
    system.advance(2.5)
    assert _int(system, "ticks") == 2500 and _int(system, "hz") == 1000
    word = system.machine.word_size
    tv = system.kernel.heap.alloc(32, "test", zero=True)
    call(system, "microuptime", tv)
    mem = system.machine.mem
    assert (int.from_bytes(mem.read(tv, word), "little"), int.from_bytes(mem.read(tv + word, word), "little")) \
        == (2, 500000)
    call(system, "getnanotime", tv)
    assert int.from_bytes(mem.read(tv, word), "little") == system.clock.time
    call(system, "getbinuptime", tv)
    assert int.from_bytes(mem.read(tv, word), "little") == 2
    assert int.from_bytes(mem.read(tv + word, 8), "little") == 1 << 63
    assert int.from_bytes(mem.read(system.kernel.symbols.lookup("time_uptime"), word), "little") == 2


def test_a_sleep_nothing_can_wake_panics_instead_of_hanging(system):
    chan = system.kernel.heap.alloc(8, "test")
    with pytest.raises(GuestCrash):
        call(system, "_sleep", chan, 0, 0, 0, *((0, 0) if system.machine.word_size == 4 else (0,)),
             *((0, 0) if system.machine.word_size == 4 else (0,)), 0)
    assert "would sleep forever" in system.dmesg()
    assert system.kldload("evlog")
