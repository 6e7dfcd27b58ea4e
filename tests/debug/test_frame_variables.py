"""Arguments and locals from DWARF in kemu's own view: stop lines, bt, info args/locals, p, frames.

Every value is checked against one found without DWARF: the arguments the kernel passed
(read from the stack or registers by the calling convention), the dev_t the personality
builds, the uio pointer fibo_read hands on to uiomove, the address of fibo_scs.
"""
import functools
import re

import pytest

from debug_helpers import ARCHES, COMPILERS, after, run_session
from kemu.os.netbsd_lkm.devices import makedev

OD = "od -A d -t u4 -N 8 /dev/fibo0"
# the calling convention's first and third integer arguments at a function's first instruction
FIRST_ARG = {"i386": "p/x *(unsigned long *)($esp + 4)", "x86_64": "p/x $rdi"}
THIRD_ARG = {"i386": "p/x *(unsigned long *)($esp + 12)", "x86_64": "p/x $rdx"}
CALLER_SAVED = {"i386": "$eax", "x86_64": "$rax"}
CALLEE_SAVED = {"i386": "$ebx", "x86_64": "$rbx"}


@functools.lru_cache(maxsize=None)
def fibo_session(arch: str, compiler: str) -> str:
    """One session through fibo's load and a read, looking at variables at each stop."""
    return run_session(arch, [
        FIRST_ARG[arch], "break fibo_handle", "continue",
        "info args", "p cmd", "p cmd * 6 + lkmtp->ver", "bt",
        "up", "info args", f"p {CALLER_SAVED[arch]}", f"p {CALLEE_SAVED[arch]}", "up",
        "down", "down", "delete", "continue",
        "mknod /dev/fibo0 c 29 0", "break fibo_read", OD,
        "next", "info locals", "p/x &fibo_scs", "p fibosc->sc_current", "p *fibosc", "p tmp",
        "break uiomove", "continue", THIRD_ARG[arch], "bt", "up", "info locals",
        "delete", "continue",
    ], compiler=compiler, debug=True)


def _hex(text: str) -> str:
    return re.search(r"= (0x[0-9a-f]+)", text).group(1)


both = pytest.mark.parametrize("compiler", COMPILERS)
arches = pytest.mark.parametrize("arch", ARCHES)


@arches
@both
def test_the_stop_in_fibo_read_shows_dev_uio_and_flag(arch, compiler):
    text = fibo_session(arch, compiler)
    m = re.search(r"Breakpoint 2, fibo_read \(dev=(\d+), uio=(0x[0-9a-f]+), flag=(\d+)\) at fibo\.c:150\n",
                  after(text, OD))
    assert m, after(text, OD)
    assert int(m.group(1)) == makedev(29, 0)
    assert m.group(2) == _hex(after(text, THIRD_ARG[arch]))     # the uio fibo_read passes to uiomove
    assert m.group(3) == "0"                                     # the kernel's ioflag for read(2)


@arches
@both
def test_info_args_in_fibo_handle_lists_lkmtp_and_cmd(arch, compiler):
    text = fibo_session(arch, compiler)
    lkmtp = _hex(after(text, FIRST_ARG[arch]))                   # what the kernel passed the entry point
    assert after(text, "info args", 0) == f"lkmtp = {lkmtp}\ncmd = 1\n"


@arches
@both
def test_print_reads_a_parameter_by_name_and_computes_with_it(arch, compiler):
    text = fibo_session(arch, compiler)
    assert after(text, "p cmd") == "$2 = 1\n"
    assert after(text, "p cmd * 6 + lkmtp->ver") == "$3 = 7\n"  # LKM_E_LOAD * 6 + LKM_VERSION


@arches
@both
def test_backtrace_shows_the_callers_arguments(arch, compiler):
    text = fibo_session(arch, compiler)
    lkmtp = _hex(after(text, FIRST_ARG[arch]))
    frames = after(text, "bt", 0).splitlines()
    assert frames[0] == f"#0  fibo_handle (lkmtp={lkmtp}, cmd=1) at fibo.c:82"
    assert re.fullmatch(rf"#1  0x[0-9a-f]+ in fibo_lkmentry \(lkmtp={lkmtp}, cmd=1, ver=1\) at fibo\.c:76",
                        frames[1])


@arches
@both
def test_up_selects_the_caller_whose_arguments_info_args_then_shows(arch, compiler):
    text = fibo_session(arch, compiler)
    lkmtp = _hex(after(text, FIRST_ARG[arch]))
    assert re.match(r"#1  0x[0-9a-f]+ in fibo_lkmentry \(", after(text, "up", 0))
    assert after(text, "info args", 1) == f"lkmtp = {lkmtp}\ncmd = 1\nver = 1\n"
    assert after(text, "up", 1) == "Initial frame selected; you cannot go up.\n"
    assert after(text, "down", 0).startswith("#0  fibo_handle (")
    assert after(text, "down", 1) == "Bottom (innermost) frame selected; you cannot go down.\n"


@arches
@both
def test_an_outer_frames_caller_saved_register_is_not_saved(arch, compiler):
    text = fibo_session(arch, compiler)
    assert re.fullmatch(r"\$\d+ = <not saved>\n", after(text, f"p {CALLER_SAVED[arch]}"))
    assert re.fullmatch(r"\$\d+ = -?\d+\n", after(text, f"p {CALLEE_SAVED[arch]}"))


@arches
@both
def test_info_locals_shows_the_softc_pointer_once_assigned(arch, compiler):
    text = fibo_session(arch, compiler)
    scs = _hex(after(text, "p/x &fibo_scs"))
    assert after(text, "info locals", 0) == f"fibosc = {scs} <fibo_scs>\n"    # minor 0: fibo_scs + 0


@arches
@both
def test_print_follows_a_local_pointer_to_the_softc(arch, compiler):
    text = fibo_session(arch, compiler)
    assert re.fullmatch(r"\$\d+ = 1\n", after(text, "p fibosc->sc_current"))   # fibo_open set it to 1
    assert re.fullmatch(r"\$\d+ = \{sc_refcnt = 1, sc_current = 1, sc_previous = 0\}\n",
                        after(text, "p *fibosc"))


@arches
@both
def test_a_local_of_a_block_not_entered_is_not_in_scope(arch, compiler):
    text = fibo_session(arch, compiler)
    assert after(text, "p tmp") == 'No symbol "tmp" in current context.\n'


@arches
@both
def test_a_caller_frames_locals_include_its_inner_blocks(arch, compiler):
    # stopped in uiomove, frame #1 is fibo_read inside the loop's block: `error`, then `fibosc`
    text = fibo_session(arch, compiler)
    assert re.match(r"#1  0x[0-9a-f]+ in fibo_read \(dev=7424, uio=0x[0-9a-f]+, flag=0\) at fibo\.c:159",
                    after(text, "bt", 1).splitlines()[1])
    scs = _hex(after(text, "p/x &fibo_scs"))
    names = [line.split(" = ")[0] for line in after(text, "info locals", 1).splitlines()]
    assert names == ["error", "fibosc"]
    assert f"fibosc = {scs} <fibo_scs>" in after(text, "info locals", 1)


@arches
def test_without_dwarf_frames_show_empty_parentheses_and_no_symbol_table(arch):
    text = run_session(arch, ["break fibo_read", "continue", "mknod /dev/fibo0 c 29 0", OD,
                              "info args", "info locals", "bt", "delete", "continue"])
    assert re.search(r"Breakpoint 1, 0x[0-9a-f]+ in fibo_read \(\)\n", after(text, OD))
    assert after(text, "info args") == "No symbol table info available.\n"
    assert after(text, "info locals") == "No symbol table info available.\n"
    assert re.match(r"#0  0x[0-9a-f]+ in fibo_read \(\)\n", after(text, "bt"))


def test_x86_64_arguments_at_the_entry_point_come_from_their_registers():
    """Before the prologue stores them, the parameters are still in rdi, rsi, rdx."""
    from debug_helpers import after, run_session
    text = run_session("x86_64", ["info args", "p/x $rdi", "p lkmtp", "p/x $rsi", "next", "info args"],
                       debug=True)
    rdi = after(text, "p/x $rdi").split(" = ")[1].strip()
    assert text.startswith(f"Stopped at the module's entry point: fibo_lkmentry (lkmtp={rdi}, cmd=1, ver=1)")
    assert after(text, "info args") == f"lkmtp = {rdi}\ncmd = 1\nver = 1\n"
    assert after(text, "p lkmtp") == f"$2 = (struct lkm_table *) {rdi}\n"
    assert after(text, "info args", -1).startswith(f"lkmtp = {rdi}\ncmd = 1\nver = 1\n")   # the stack slots now
