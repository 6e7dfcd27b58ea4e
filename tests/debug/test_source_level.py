"""Source-level debugging on fibo-g.o: break FILE:LINE, step into functions, list, bt with lines."""
import re

import pytest

from debug_helpers import ARCHES, COMPILERS, after, run_session


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("arch", ARCHES)
def test_step_from_the_entry_point_into_the_handler_stops_after_its_prologue(arch, compiler):
    text = run_session(arch, ["next", "step", "bt"], compiler=compiler, debug=True)
    assert after(text, "next").startswith("76\t")
    assert re.fullmatch(r"fibo_handle \(lkmtp=0x[0-9a-f]+, cmd=1\) at fibo\.c:82\n82\t\tswitch \(cmd\) \{\n",
                        after(text, "step"))
    frames = after(text, "bt").splitlines()
    assert re.fullmatch(r"#0  fibo_handle \(lkmtp=0x[0-9a-f]+, cmd=1\) at fibo\.c:82", frames[0])
    assert re.fullmatch(r"#1  0x[0-9a-f]+ in fibo_lkmentry \(lkmtp=0x[0-9a-f]+, cmd=1, ver=1\) at fibo\.c:76",
                        frames[1])


@pytest.mark.parametrize("arch", ARCHES)
def test_list_shows_the_lines_around_a_function_and_continues(arch):
    text = run_session(arch, ["list fibo_read", "list", "list 150,152", "quit"], debug=True)
    first = after(text, "list fibo_read").splitlines()
    assert first[0].startswith("143\t") and first[-1].startswith("152\t")
    assert "148\tfibo_read(dev_t dev, struct uio *uio, int flag)" in first
    assert after(text, "list").splitlines()[0].startswith("153\t")
    assert [l.split("\t")[0] for l in after(text, "list 150,152").splitlines()] == ["150", "151", "152"]


@pytest.mark.parametrize("arch", ARCHES)
def test_break_file_line_and_info_breakpoints(arch):
    text = run_session(arch, ["break fibo.c:85", "tbreak fibo.c:89", "info breakpoints", "continue",
                              "continue", "info breakpoints", "continue"], debug=True)
    assert re.search(r"Breakpoint 1 at 0x[0-9a-f]+: file fibo\.c, line 85\.", text)
    assert re.search(r"Temporary breakpoint 2 at 0x[0-9a-f]+: file fibo\.c, line 89\.", text)
    table = after(text, "info breakpoints", 0).splitlines()
    assert table[0].split() == ["Num", "Type", "Disp", "Enb", "Address", "What"]
    assert re.match(r"1\s+breakpoint\s+keep y\s+0x[0-9a-f]+ in fibo_handle at fibo\.c:85", table[1])
    assert re.match(r"2\s+breakpoint\s+del\s+y\s+0x[0-9a-f]+ in fibo_handle at fibo\.c:89", table[2])
    assert re.search(r"Temporary breakpoint 2, fibo_handle \(lkmtp=0x[0-9a-f]+, cmd=1\) at fibo\.c:89", text)
    later = after(text, "info breakpoints", 1)
    assert "breakpoint already hit 1 time" in later and "\n2 " not in later


@pytest.mark.parametrize("arch", ARCHES)
def test_line_without_code_moves_to_the_next_line_that_has_some(arch):
    text = run_session(arch, ["break fibo.c:84", "quit"], debug=True)
    assert re.search(r"Breakpoint 1 at 0x[0-9a-f]+: file fibo\.c, line 85\.", text)


def test_info_line_names_the_address_range():
    text = run_session("i386", ["break fibo.c:89", "continue", "info line", "continue"], debug=True)
    assert re.match(r'Line 89 of "fibo\.c" starts at address 0x[0-9a-f]+ <fibo_handle\+\d+> '
                    r'and ends at 0x[0-9a-f]+ <fibo_handle\+\d+>\.', after(text, "info line"))


def test_watch_stops_when_the_module_writes_the_refcount():
    text = run_session("i386", ["continue", "mknod /dev/fibo0 c 29 0", "watch fibo_refcnt",
                                "od -N 4 -t u4 /dev/fibo0", "bt", "delete", "continue"], debug=True)
    stop = after(text, "od -N 4 -t u4 /dev/fibo0")
    assert "Hardware watchpoint 1: fibo_refcnt" in stop
    assert "Old value = 0\nNew value = 1\n" in stop
    # fibo_open(dev, flag, mode, p): makedev(29, 0), FREAD, S_IFCHR
    assert re.search(r"fibo_open \(dev=7424, flag=1, mode=8192, p=0x[0-9a-f]+\) at fibo\.c:", stop)
