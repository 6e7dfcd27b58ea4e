"""Breaking in fibo_read while `od` reads /dev/fibo0: the numbers about to be copied out."""
import re

import pytest

from debug_helpers import ARCHES, after, run_session

BUF_ARG = {"i386": "*(unsigned long *)($esp + 4)", "x86_64": "$rdi"}
OD = "od -A d -t u4 -N 20 /dev/fibo0"


@pytest.mark.parametrize("arch", ARCHES)
def test_break_in_fibo_read_during_od(arch):
    text = run_session(arch, ["break fibo_read", "continue", "mknod /dev/fibo0 c 29 0", OD,
                              "bt", "delete", "continue"])
    stop = after(text, OD)
    assert re.search(r"Breakpoint 1, 0x[0-9a-f]+ in fibo_read \(\)", stop)
    assert re.match(r"#0  0x[0-9a-f]+ in fibo_read \(\)", after(text, "bt"))
    # after `delete` and `continue` the read finishes and od prints the first five numbers
    assert re.search(r"0000000\s+1\s+1\s+2\s+3\n0000016\s+5\n", after(text, "continue", -1))


@pytest.mark.parametrize("arch", ARCHES)
def test_each_uiomove_is_handed_the_next_fibonacci_number(arch):
    x = f"x/1uw {BUF_ARG[arch]}"
    od_six = "od -A d -t u4 -N 24 /dev/fibo0"      # od -N reads exactly its count: six numbers
    commands = ["continue", "mknod /dev/fibo0 c 29 0", "break uiomove", od_six]
    commands += [x, "continue"] * 6
    commands += ["delete", "continue"]
    text = run_session(arch, commands)
    values = [int(re.search(r":\t(\d+)$", after(text, x, i).strip()).group(1)) for i in range(6)]
    assert values == [1, 1, 2, 3, 5, 8]
    labels = {re.match(r"(0x[0-9a-f]+ <[^>]+>)", after(text, x, i)).group(1) for i in range(6)}
    assert len(labels) == 1 and "<fibo_scs+4>" in labels.pop()    # always fibo_scs[0].sc_current


@pytest.mark.parametrize("arch", ARCHES)
def test_source_level_break_in_fibo_read_and_print_the_softc(arch):
    text = run_session(arch, ["continue", "mknod /dev/fibo0 c 29 0", "break fibo.c:159", OD,
                              "x/3dw &fibo_scs"] + ["next"] * 5 + ["x/3dw &fibo_scs", "delete", "continue"],
                       debug=True)
    lines = [int(after(text, "next", i).split("\t", 1)[0]) for i in range(5)]
    assert lines == [165, 171, 172, 173, 155]   # uiomove, overflow test, the sum, back to the loop
    assert "Breakpoint 2 at" not in text  # only one breakpoint was set
    assert re.search(r"Breakpoint 1, fibo_read \(dev=7424, uio=0x[0-9a-f]+, flag=0\) at fibo\.c:159", text)
    before = after(text, "x/3dw &fibo_scs", 0)
    assert re.match(r"0x[0-9a-f]+ <fibo_scs>:\t1\t1\t0\n", before)     # refcnt 1, current 1, previous 0
    later = after(text, "x/3dw &fibo_scs", 1)
    assert re.match(r"0x[0-9a-f]+ <fibo_scs>:\t1\t1\t1\n", later)      # after one step of the sum
