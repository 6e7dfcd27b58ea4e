"""Values with DWARF types print as gdb prints them: base types, pointers, enums, structs."""
import pytest

from kemu.debug.expr import CType, Member, Value
from kemu.debug.typed_format import TypedFormatter

MEMORY = {0x1000: b"fibo\0", 0x2000: (1).to_bytes(4, "little") + (8).to_bytes(4, "little") + (5).to_bytes(4, "little")}


def read(addr: int, n: int) -> bytes:
    for base, data in MEMORY.items():
        if base <= addr and addr + n <= base + len(data) + 64:
            return (data + bytes(64))[addr - base:addr - base + n]
    raise OSError(addr)


fmt = TypedFormatter(code_label=lambda a: "fibo_read" if a == 0x3000 else None,
                     data_label=lambda a: "fibo_scs" if a == 0x2000 else None, read=read)
U32 = CType("u_int32_t", 4, False)
INT = CType("int", 4, True)
SOFTC = CType("struct fibo_softc", 12, False, "struct",
              members=(Member("sc_refcnt", 0, INT), Member("sc_current", 4, U32), Member("sc_previous", 8, U32)))


@pytest.mark.parametrize("size", [1, 2, 4, 8])
def test_signed_and_unsigned_integers_of_every_size(size):
    signed, unsigned = CType("s", size, True), CType("u", size, False)
    top = (1 << (8 * size)) - 1
    if size == 1:
        assert fmt.value(Value(-1, signed)) == "-1 '\\377'"
        assert fmt.value(Value(top, unsigned)) == "255 '\\377'"
    else:
        assert fmt.value(Value(-1, signed)) == "-1"
        assert fmt.value(Value(top, unsigned)) == str(top)


def test_bool_char_and_enum_by_their_names():
    assert fmt.value(Value(1, CType("_Bool", 1, False, encoding="bool"))) == "true"
    assert fmt.value(Value(0, CType("_Bool", 1, False, encoding="bool"))) == "false"
    assert fmt.value(Value(65, CType("char", 1, True, encoding="char"))) == "65 'A'"
    rw = CType("enum uio_rw", 4, False, enumerators=(("UIO_READ", 0), ("UIO_WRITE", 1)))
    assert fmt.value(Value(1, rw)) == "UIO_WRITE"
    assert fmt.value(Value(7, rw)) == "7"


def test_pointers_are_hex_with_the_module_symbol_and_a_string_for_char():
    ptr = SOFTC.pointer(4)
    assert fmt.value(Value(0x2000, ptr)) == "0x2000 <fibo_scs>"
    assert fmt.value(Value(0x2000, ptr), top=True) == "(struct fibo_softc *) 0x2000 <fibo_scs>"
    assert fmt.value(Value(0xC1000000, ptr)) == "0xc1000000"
    assert fmt.value(Value(0, ptr)) == "0x0"
    char_p = CType("char", 1, True, encoding="char").pointer(4)
    assert fmt.value(Value(0x1000, char_p), top=True) == '0x1000 "fibo"'
    fn = CType("int (dev_t, int)", 1, False, "func", INT).pointer(4)
    assert fn.name == "int (*)(dev_t, int)"
    assert fmt.value(Value(0x3000, fn)) == "0x3000 <fibo_read>"


def test_a_struct_is_dots_in_a_frame_line_and_its_members_otherwise():
    v = Value(0x2000, SOFTC, lval=("mem", 0x2000))
    assert fmt.value(v, scalars_only=True) == "..."
    assert fmt.value(v) == "{sc_refcnt = 1, sc_current = 8, sc_previous = 5}"


def test_arrays_fold_long_runs_and_char_arrays_are_strings():
    ints = CType("int [12]", 48, False, "array", INT, count=12)
    MEMORY[0x4000] = (3).to_bytes(4, "little") + bytes(44)
    assert fmt.value(Value(0x4000, ints, lval=("mem", 0x4000))) == "{3, 0 <repeats 11 times>}"
    chars = CType("char [5]", 5, False, "array", CType("char", 1, True, encoding="char"), count=5)
    assert fmt.value(Value(0x1000, chars, lval=("mem", 0x1000))) == '"fibo"'


def test_unavailable_values_print_why():
    assert fmt.value(Value(0, INT, unavailable="<optimized out>")) == "<optimized out>"
    assert fmt.value(Value(0, INT, unavailable="<not saved>"), scalars_only=True) == "<not saved>"
