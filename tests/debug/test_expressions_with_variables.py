"""Expressions over DWARF variables: names before symbols, ->, ., [], and values that are gone."""
import pytest

from kemu.debug.commands import CommandError
from kemu.debug.expr import CType, Evaluator, Member, Value

from debug_helpers import FakeGuestMemory

INT = CType("int", 4, True)
U32 = CType("u_int32_t", 4, False)
SOFTC = CType("struct fibo_softc", 12, False, "struct",
              members=(Member("sc_refcnt", 0, INT), Member("sc_current", 4, U32), Member("sc_previous", 8, U32),
                       Member("flags", 8, U32, bit_size=3, bit_offset=1)))
SCS = CType("struct fibo_softc [2]", 24, False, "array", SOFTC, count=2)
BASE = 0xC1002010


class Context(FakeGuestMemory):
    def __init__(self):
        super().__init__(b"".join(v.to_bytes(4, "little") for v in (1, 13, 0b1010, 0, 21, 34)), BASE)
        self.variables = {
            "fibosc": Value(BASE + 12, SOFTC.pointer(4), lval=("mem", 0xD0000000)),
            "fibo_scs": Value(BASE, SCS, lval=("mem", BASE)),
            "cmd": Value(1, INT, lval=("mem", 0xD0000004)),
            "gone": Value(0, INT, unavailable="<optimized out>"),
        }

    def read_register(self, n): raise CommandError("No registers.")
    def write_register(self, n, v): raise CommandError("No registers.")
    def register_names(self): return set()

    def lookup_variable(self, name):
        return self.variables.get(name)

    def lookup_symbol(self, name):
        return {"cmd": (0xDCA4F000, 4, "func")}.get(name)

    def history(self, i): raise CommandError("History is empty.")


@pytest.fixture
def ev():
    return Evaluator(Context(), "i386")


def test_a_variable_hides_a_symbol_of_the_same_name(ev):
    assert ev.evaluate("cmd").value == 1


def test_arrow_dot_and_index_reach_members(ev):
    assert ev.evaluate("fibosc->sc_current").value == 21
    assert ev.evaluate("fibo_scs[0].sc_current").value == 13
    assert ev.evaluate("(*fibosc).sc_previous").value == 34
    assert ev.evaluate("fibo_scs[1].sc_refcnt + fibo_scs[0].sc_refcnt").value == 1


def test_an_array_decays_to_a_pointer_to_its_first_element(ev):
    assert ev.evaluate("fibo_scs + 1").value == BASE + 12
    assert ev.evaluate("&fibo_scs[1]").value == BASE + 12


def test_a_bit_field_is_extracted(ev):
    assert ev.evaluate("fibo_scs[0].flags").value == 0b101


def test_a_member_can_be_assigned(ev):
    ev.evaluate("fibosc->sc_current = 55")
    assert ev.evaluate("fibo_scs[1].sc_current").value == 55


def test_wrong_member_uses_get_gdbs_words(ev):
    with pytest.raises(CommandError, match="There is no member named nope."):
        ev.evaluate("fibosc->nope")
    with pytest.raises(CommandError, match="The -> operator must be applied to a pointer"):
        ev.evaluate("cmd->x")
    with pytest.raises(CommandError, match="not a structure"):
        ev.evaluate("cmd.x")


def test_an_optimized_out_value_cannot_be_computed_with(ev):
    assert ev.evaluate("gone").unavailable == "<optimized out>"
    with pytest.raises(CommandError, match="value has been optimized out"):
        ev.evaluate("gone + 1")
