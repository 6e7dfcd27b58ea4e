"""x/FMT, display, disassemble, info registers and print/FMT on a stopped module."""
import re

from debug_helpers import after, run_session


def test_examine_display_disassemble_and_registers_on_x86_64():
    text = run_session("x86_64", ["display/i $pc", "display $rsi", "stepi", "x/4gx $sp", "x/5i $pc",
                                  "disassemble", "info registers rip rsi", "p/x 255", "p/t 5", "p/c 65",
                                  "p &fibo_scs", "p fibo_read", "quit"])
    assert re.match(r"1: x/i \$pc\n=> 0x[0-9a-f]+ <fibo_lkmentry>:\t\S", after(text, "display/i $pc"))
    assert after(text, "display $rsi") == "2: $rsi = 1\n"
    shown = after(text, "stepi")
    assert re.search(r"1: x/i \$pc\n=> 0x[0-9a-f]+ <fibo_lkmentry\+\d+>:", shown) and "2: $rsi = 1" in shown
    rows = after(text, "x/4gx $sp").splitlines()
    assert len(rows) == 2 and all(re.fullmatch(r"0x[0-9a-f]+:\t0x[0-9a-f]{16}\t0x[0-9a-f]{16}", r) for r in rows)
    assert rows[0].split("\t")[1] == "0xffffffff80100100"             # the return into the kernel
    insns = after(text, "x/5i $pc").splitlines()
    assert len(insns) == 5 and insns[0].startswith("=> ") and all(i.startswith("   ") for i in insns[1:])
    dump = after(text, "disassemble").splitlines()
    assert dump[0] == "Dump of assembler code for function fibo_lkmentry:" and dump[-1] == "End of assembler dump."
    assert any(re.search(r"call\s+lkmexists$", line) for line in dump)
    assert sum(line.startswith("=> ") for line in dump) == 1
    regs = after(text, "info registers rip rsi").splitlines()
    assert re.fullmatch(r"rip {12}0x[0-9a-f]{16} +0x[0-9a-f]{16} <fibo_lkmentry\+\d+>", regs[0])
    assert re.fullmatch(r"rsi {12}0x1 {16}1", regs[1])
    assert after(text, "p/x 255") == "$1 = 0xff\n"
    assert after(text, "p/t 5") == "$2 = 101\n"
    assert after(text, "p/c 65") == "$3 = 65 'A'\n"
    assert re.fullmatch(r"\$4 = \(<data variable, no debug info> \*\) 0x[0-9a-f]+ <fibo_scs>\n", after(text, "p &fibo_scs"))
    assert re.fullmatch(r"\$5 = \{<text variable, no debug info>\} 0x[0-9a-f]+ <fibo_read>\n", after(text, "p fibo_read"))


def test_set_var_changes_the_argument_the_module_then_sees():
    # hand the entry point cmd = 3 (LKM_E_STAT) instead of LKM_E_LOAD: DISPATCH answers EINVAL,
    # and modload 1.6 retries once with the old interface, which then loads normally
    text = run_session("i386", ["set var *(int *)($esp + 8) = 3", "p *(int *)($esp + 8)", "continue"])
    assert after(text, "p *(int *)($esp + 8)") == "$1 = 3\n"
    assert "modload: module failed to load using new version; trying old version: Invalid argument" in text
    assert "Module loaded as ID 0" in text
