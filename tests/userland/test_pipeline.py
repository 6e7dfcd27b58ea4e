"""Pipes between console commands: streaming, taking turns, and SIGPIPE's end for a writer."""
from __future__ import annotations

import time

import pytest

from kemu.userland.pipeline import PIPE_CAPACITY, SIGPIPE_STATUS, run_pipeline


def test_an_endless_writer_ends_when_its_reader_is_done():
    written = []

    def endless(stdin, stdout):
        n = 0
        while True:
            stdout.write(f"{n}\n")
            written.append(n)
            n += 1

    got = []

    def first_three_lines(stdin, stdout):
        data = b""
        while data.count(b"\n") < 3:
            data += stdin.read(7)
        got.append(data.split(b"\n")[:3])
        return 0

    assert run_pipeline([endless, first_three_lines]) == [SIGPIPE_STATUS, 0]
    assert got == [[b"0", b"1", b"2"]]
    assert len("".join(f"{n}\n" for n in written)) <= 2 * PIPE_CAPACITY   # it stopped promptly


def test_the_reader_sees_end_of_file_when_the_writer_ends():
    def two_lines(stdin, stdout):
        stdout.write("a\nb\n")
        return 3

    chunks = []

    def read_all(stdin, stdout):
        while chunk := stdin.read(100):
            chunks.append(chunk)
        return 0

    assert run_pipeline([two_lines, read_all]) == [3, 0]
    assert b"".join(chunks) == b"a\nb\n"


def test_commands_take_turns_never_running_at_once():
    inside: list[str] = []
    overlaps: list[tuple[str, ...]] = []

    def stage(name):
        def run(stdin, stdout):
            for _ in range(30):
                inside.append(name)              # work between pipe operations, where a
                time.sleep(0.0005)               # thread switch would show if they overlapped
                if len(inside) > 1:
                    overlaps.append(tuple(inside))
                inside.remove(name)
                if stdout is not None:
                    stdout.write("x" * 3000)
                if stdin is not None:
                    stdin.read(3000)
            return 0
        return run

    assert run_pipeline([stage("a"), stage("b"), stage("c")]) == [0, 0, 0]
    assert overlaps == []


def test_a_writer_in_the_middle_of_a_guest_call_is_never_blocked():
    order = []

    def writer(stdin, stdout):
        stdout.write("y" * (3 * PIPE_CAPACITY))      # "inside a guest call": buffered, no turn taken
        order.append("writer done")
        return 0

    def reader(stdin, stdout):
        order.append("reader starts")
        while stdin.read(4096):
            pass
        return 0

    assert run_pipeline([writer, reader], may_block=lambda: False) == [0, 0]
    assert order == ["writer done", "reader starts"]


def test_an_error_in_a_later_command_is_raised_after_all_have_ended():
    def producer(stdin, stdout):
        while True:
            stdout.write("z" * 100)

    def broken(stdin, stdout):
        stdin.read(10)
        raise RuntimeError("bug in a command")

    with pytest.raises(RuntimeError, match="bug in a command"):
        run_pipeline([producer, broken])


def test_cancelling_stops_every_command_at_its_next_pipe_operation():
    cancel = []

    def producer(stdin, stdout):
        while True:
            stdout.write("w" * 100)

    def consumer(stdin, stdout):
        stdin.read(10)
        cancel.append(True)            # Ctrl-C arrives while the pipeline runs
        while stdin.read(10):
            pass
        return 130

    assert run_pipeline([producer, consumer], cancelled=lambda: bool(cancel)) == [SIGPIPE_STATUS, 130]
