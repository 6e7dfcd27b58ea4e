"""Scripted sessions through fibo's load: entry stop, the handler, its kernel calls, finish."""
import re

import pytest

from debug_helpers import ARCHES, COMPILERS, after, run_session

SP = {"i386": "$esp", "x86_64": "$rsp"}
FIRST_ARG = {"i386": "*(unsigned long *)($esp + 4)", "x86_64": "$rdi"}


@pytest.mark.parametrize("arch", ARCHES)
def test_stops_before_the_entry_point_runs(arch):
    text = run_session(arch, ["info symbol $pc", "bt", "quit"])
    assert "Stopped at the module's entry point: " in text
    assert after(text, "info symbol $pc").strip() == "fibo_lkmentry in section .text"
    assert after(text, "bt").startswith("#0  0x")
    # quitting while the entry point is stopped kills the load, as gdb kills its inferior
    assert "Module loaded as ID" not in text


@pytest.mark.parametrize("arch", ARCHES)
def test_entry_point_receives_lkm_e_load(arch):
    # fibo_lkmentry(lkmtp, cmd, ver): cmd is LKM_E_LOAD (1), ver is LKM_VERSION (1)
    cmd = "p *(int *)($esp + 8)" if arch == "i386" else "p $esi"
    ver = "p *(int *)($esp + 12)" if arch == "i386" else "p $edx"
    text = run_session(arch, [cmd, ver, "quit"])
    assert after(text, cmd).strip() == "$1 = 1"
    assert after(text, ver).strip() == "$2 = 1"


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("arch", ARCHES)
def test_break_in_the_load_handler_step_into_it_and_finish(arch, compiler):
    text = run_session(arch, [
        "break fibo_handle", "continue", "bt", "next", "next", "step", "finish", "continue",
    ], compiler=compiler, debug=True)
    assert re.search(r"Breakpoint 1 at 0x[0-9a-f]+: file fibo\.c, line 82\.", text)
    lkmtp = re.search(r"Breakpoint 1, fibo_handle \(lkmtp=(0x[0-9a-f]+), cmd=1\) at fibo\.c:82", text).group(1)
    bt = after(text, "bt").splitlines()
    assert bt[0] == f"#0  fibo_handle (lkmtp={lkmtp}, cmd=1) at fibo.c:82"
    assert re.fullmatch(rf"#1  0x[0-9a-f]+ in fibo_lkmentry \(lkmtp={lkmtp}, cmd=1, ver=1\) at fibo\.c:76", bt[1])
    assert after(text, "next").startswith("85\t\t\tif (lkmexists(lkmtp))")
    fin = after(text, "finish")
    assert f"Run till exit from #0  fibo_handle (lkmtp={lkmtp}, cmd=1) at fibo.c:" in fin
    assert "Value returned is $1 = 0" in fin
    assert "fibo: FIBONACCI driver loaded successfully" in text
    assert "Module loaded as ID 0" in after(text, "continue", -1)


@pytest.mark.parametrize("arch", ARCHES)
def test_printf_is_handed_the_modules_message(arch):
    # stop in the kernel's printf stub: its first argument is the module's format string
    fmt = "x/s " + FIRST_ARG[arch]
    text = run_session(arch, ["break printf", "continue", fmt, "finish", "continue"])
    assert re.fullmatch(r'0x[0-9a-f]+:\t"fibo: FIBONACCI driver loaded successfully\\n"\n', after(text, fmt))
    assert "Module loaded as ID 0" in text


@pytest.mark.parametrize("arch", ARCHES)
def test_bzero_clears_all_eight_softcs(arch):
    # bzero(fibo_scs, sizeof(fibo_scs)): 8 minor devices x 12 bytes
    size = "p *(unsigned long *)($esp + 8)" if arch == "i386" else "p $rsi"
    addr = "info symbol " + FIRST_ARG[arch]
    text = run_session(arch, ["break bzero", "continue", size, addr, "finish",
                              "x/24xw &fibo_scs", "continue"])
    assert after(text, size).strip() == "$1 = 96"
    assert after(text, addr).strip() == "fibo_scs in section .bss"
    words = re.findall(r"0x[0-9a-f]{8}\b", "\n".join(l.split(":", 1)[1] for l in after(text, "x/24xw &fibo_scs").splitlines() if ":" in l))
    assert words == ["0x00000000"] * 24


def _insn_addresses(listing: str) -> list[tuple[int, str]]:
    return [(int(m.group(1), 16), m.group(2)) for m in re.finditer(r"^(?:=> |   )(0x[0-9a-f]+)[^:]*:\t(.*)$", listing, re.M)]


@pytest.mark.parametrize("arch", ARCHES)
def test_stepi_moves_exactly_one_instruction(arch):
    text = run_session(arch, ["x/2i $pc", "stepi", "p $pc", "quit"])
    (first, _), (second, _) = _insn_addresses(after(text, "x/2i $pc"))
    assert re.search(rf"\$1 = \(void \(\*\)\(\)\) {second:#x} <fibo_lkmentry\+{second - first}>", text)


@pytest.mark.parametrize("arch", ARCHES)
def test_nexti_steps_over_a_call_into_a_kernel_service(arch):
    # at fibo.c:89 the next call is bzero(fibo_scs, sizeof(fibo_scs))
    first = run_session(arch, ["break fibo.c:89", "continue", "x/12i $pc", "quit"], debug=True)
    insns = _insn_addresses(after(first, "x/12i $pc"))
    call = next(i for i, (_, t) in enumerate(insns) if t.startswith("call") and "bzero" in t)
    call_addr, after_call = insns[call][0], insns[call + 1][0]
    text = run_session(arch, ["break fibo.c:89", "continue", f"advance *{call_addr:#x}",
                              "info services 1", "nexti", "p $pc", "info services 1", "continue"], debug=True)
    assert "bzero" not in after(text, "info services 1", 0)
    assert re.match(r"bzero\(b=0x[0-9a-f]+, len=96\)", after(text, "info services 1", 1))
    assert re.search(rf"= \(void \(\*\)\(\)\) {after_call:#x} <fibo_handle\+\d+>", after(text, "p $pc"))
    assert "Module loaded as ID 0" in text
