"""Location descriptions evaluated in a frame: the forms gcc and clang emit at -O0, and no guesses."""
from elftools.dwarf.dwarf_expr import DWARFExprOp

from kemu.debug.dwarf_locations import NOT_SAVED, OPTIMIZED_OUT, FrameState, Location, LocationEvaluator

CFA = 0xD0004DF0
EBP = 0xD0004DE8


def op(name: str, *args: int) -> DWARFExprOp:
    return DWARFExprOp(0, name, list(args), 0)


def loc(*ops: DWARFExprOp) -> Location:
    return Location(ops=tuple(ops))


FRAME0 = FrameState(0xDCA4F20D, {"eax": 5, "ebx": 7, "esp": 0xD0004DD0, "ebp": EBP, "eip": 0xDCA4F20D}, CFA)
OUTER = FrameState(0xDCA4F04E, {"ebx": 7, "esp": CFA, "ebp": EBP, "eip": 0xDCA4F04F}, CFA + 0x20)
i386 = LocationEvaluator("i386")


def test_gcc_fbreg_counts_from_the_cfa():
    p = i386.place(loc(op("DW_OP_fbreg", 4)), FRAME0, loc(op("DW_OP_call_frame_cfa")))
    assert (p.kind, p.address) == ("mem", CFA + 4)


def test_clang_fbreg_counts_from_the_frame_pointer_register():
    p = i386.place(loc(op("DW_OP_fbreg", -12)), FRAME0, loc(op("DW_OP_reg5")))
    assert (p.kind, p.address) == ("mem", EBP - 12)


def test_a_register_location_is_that_register():
    p = i386.place(loc(op("DW_OP_reg0")), FRAME0, None)
    assert (p.kind, p.register, p.value) == ("reg", "eax", 5)


def test_x86_64_numbers_registers_its_own_way():
    frame = FrameState(0, {"rdx": 11, "rsi": 22, "rbp": 0x1000}, None)
    x64 = LocationEvaluator("x86_64")
    assert x64.place(loc(op("DW_OP_reg1")), frame, None).register == "rdx"
    assert x64.place(loc(op("DW_OP_reg4")), frame, None).register == "rsi"
    assert x64.place(loc(op("DW_OP_fbreg", -8)), frame, loc(op("DW_OP_reg6"))).address == 0x1000 - 8


def test_breg_and_addr_are_memory():
    assert i386.place(loc(op("DW_OP_breg4", 8)), FRAME0, None).address == 0xD0004DD8
    assert i386.place(loc(op("DW_OP_addr", 0xDCA510A0)), FRAME0, None).address == 0xDCA510A0


def test_an_outer_frames_caller_saved_register_is_not_saved():
    p = i386.place(loc(op("DW_OP_reg0")), OUTER, None)
    assert (p.kind, p.why) == ("unavailable", NOT_SAVED)
    assert i386.place(loc(op("DW_OP_reg3")), OUTER, None).value == 7     # ebx: callee-saved


def test_a_frame_base_in_a_register_that_was_not_saved_is_not_saved():
    frame = FrameState(0, {"esp": CFA}, CFA)
    p = i386.place(loc(op("DW_OP_fbreg", 8)), frame, loc(op("DW_OP_reg5")))
    assert p.why == NOT_SAVED


def test_anything_else_is_optimized_out_rather_than_guessed():
    for ops in [(op("DW_OP_fbreg", 0), op("DW_OP_deref")), (op("DW_OP_piece", 4),),
                (op("DW_OP_GNU_entry_value", 1),), ()]:
        p = i386.place(Location(ops=ops), FRAME0, loc(op("DW_OP_call_frame_cfa")))
        assert (p.kind, p.why) == ("unavailable", OPTIMIZED_OUT), ops
    assert i386.place(Location(), FRAME0, None).why == OPTIMIZED_OUT         # no DW_AT_location


def test_a_location_list_picks_the_entry_for_the_pc():
    lst = Location(ranges=((0x100, 0x110, (op("DW_OP_reg0"),)), (0x110, 0x140, (op("DW_OP_reg3"),))))
    assert i386.place(lst, FrameState(0x108, FRAME0.regs, CFA), None).register == "eax"
    assert i386.place(lst, FrameState(0x120, FRAME0.regs, CFA), None).register == "ebx"
    assert i386.place(lst, FrameState(0x140, FRAME0.regs, CFA), None).why == OPTIMIZED_OUT


def test_a_constant_value_needs_no_frame():
    p = i386.place(Location(const=42), FrameState(0, {}, None), None)
    assert (p.kind, p.value) == ("value", 42)
