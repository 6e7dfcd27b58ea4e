"""The message buffer (dmesg) and the virtual clock."""
import pytest

from kemu.kernel import MessageBuffer, VirtualClock


def test_messages_reach_the_console_as_written_and_stay_for_dmesg():
    seen = []
    buf = MessageBuffer(console=seen.append)
    buf.write("fibo: loaded\n")
    buf.write(b"second\n")
    assert seen == ["fibo: loaded\n", "second\n"]
    assert buf.text() == "fibo: loaded\nsecond\n"
    assert buf.lines() == ["fibo: loaded", "second"]


def test_ring_keeps_only_the_newest_bytes():
    buf = MessageBuffer(capacity=8)
    buf.write("abcdef")
    buf.write("ghij")
    assert buf.text() == "cdefghij" and buf.lost == 2 and len(buf) == 8


def test_clear_empties_the_ring_but_not_the_console():
    seen = []
    buf = MessageBuffer(console=seen.append)
    buf.write("x")
    buf.clear()
    assert buf.text() == "" and seen == ["x"]


def test_capacity_must_be_positive():
    with pytest.raises(ValueError, match="capacity"):
        MessageBuffer(capacity=0)


def test_clock_starts_at_its_boot_time_and_only_moves_when_told():
    clock = VirtualClock(hz=100, boot_time=1000)
    assert (clock.ticks, clock.time) == (0, 1000)
    assert clock.time == 1000  # reading does not advance it
    clock.advance(250)
    assert clock.time == 1002 and clock.uptime.sec == 2 and clock.uptime.nsec == 500_000_000
    assert clock.now.sec == 1002


def test_advance_seconds_rounds_up_to_whole_ticks():
    clock = VirtualClock(hz=100)
    clock.advance_seconds(0.001)
    assert clock.ticks == 1
    assert clock.ticks_for(1.5) == 150


def test_clock_cannot_go_back():
    with pytest.raises(ValueError, match="cannot go back"):
        VirtualClock().advance(-1)


def test_two_clocks_agree_exactly_without_host_time():
    a, b = VirtualClock(), VirtualClock()
    a.advance(7)
    b.advance(7)
    assert a.now == b.now
