"""Oops reports name the source line of the faulting pc and of each frame's call, from the
machine's source locators (later ones win; one that fails counts as not knowing)."""
from __future__ import annotations

import pytest

from kemu.machine import GuestFault


def faulting_pair(m, asm):
    ax = "rax" if m.arch == "x86_64" else "eax"
    bp, sp = ("rbp", "rsp") if m.arch == "x86_64" else ("ebp", "esp")
    leaf = asm(f"push {bp}\nmov {bp}, {sp}\nxor {ax}, {ax}\nmov {ax}, [{ax}]\npop {bp}\nret",
               name="leaf")
    top = asm(f"push {bp}\nmov {bp}, {sp}\ncall {leaf:#x}\npop {bp}\nret", name="top")
    return leaf, top


def test_the_faulting_pc_and_each_frame_show_file_and_line(m, asm):
    leaf, top = faulting_pair(m, asm)
    asked = []

    def locate(addr):
        asked.append(addr)
        if leaf <= addr < leaf + 0x40:
            return ("/src/dev/leaf.c", 10 + addr - leaf)
        if top <= addr < top + 0x40:
            return ("/src/dev/top.c", 50 + addr - top)
        return None

    m.source_locators.append(locate)
    with pytest.raises(GuestFault) as e:
        m.call(top)
    oops = e.value.oops
    pc_line = 10 + oops.pc - leaf
    ret = oops.backtrace[1][0]
    assert oops.pc_source == f"leaf.c:{pc_line}"
    assert f"<leaf+{oops.pc - leaf:#x}> (leaf.c:{pc_line}):" in oops.text
    assert f"leaf+{oops.pc - leaf:#x} at leaf.c:{pc_line}" in oops.text
    # a caller's line is that of its call instruction: the byte before the return address
    assert f"top+{ret - top:#x} at top.c:{50 + ret - 1 - top}" in oops.text
    assert ret - 1 in asked


def test_no_locator_means_no_line_and_no_cost(m, asm):
    leaf, top = faulting_pair(m, asm)
    with pytest.raises(GuestFault) as e:
        m.call(top)
    assert e.value.oops.frame_sources == [] and ".c:" not in e.value.oops.text


def test_a_failing_locator_is_ignored_and_later_locators_win(m, asm):
    leaf, top = faulting_pair(m, asm)

    def broken(addr):
        raise ValueError("damaged .debug_line")

    m.source_locators += [lambda a: ("old.c", 1), broken, lambda a: ("new\b.c", 2)]
    with pytest.raises(GuestFault) as e:
        m.call(top)
    assert e.value.oops.pc_source == "new\\x08.c:2"
    m.source_locators[:] = [lambda a: ("old.c", 1), broken]
    assert m.source_location(leaf) == ("old.c", 1)
