"""print/x/set expressions: registers, symbols, casts, gdb's errors for what cannot be evaluated."""
import pytest

from kemu.debug.commands import CommandError
from kemu.debug.expr import Evaluator

from debug_helpers import FakeGuestMemory


class FakeContext(FakeGuestMemory):
    def __init__(self):
        super().__init__((7).to_bytes(4, "little") + (9).to_bytes(4, "little"), 0xC1002010)
        self.regs = {"eax": 0xFFFFFFFF, "esp": 0xC0FF7E70, "eip": 0xDCA4F010, "ebp": 0, "eflags": 0x246}

    def read_register(self, n): return self.regs[n]
    def write_register(self, n, v): self.regs[n] = v
    def register_names(self): return set(self.regs)

    def lookup_symbol(self, name):
        return {"fibo_read": (0xDCA4F000, 0x40, "func"), "fibo_scs": (0xC1002010, 96, "object")}.get(name)

    def history(self, i): raise CommandError("History is empty.")


@pytest.fixture
def ev():
    return Evaluator(FakeContext(), "i386")


def test_arithmetic_follows_c_precedence(ev):
    assert ev.evaluate("1 + 2 * 3 - (8 >> 2)").value == 5


def test_registers_are_typed_like_gdbs(ev):
    assert ev.evaluate("$eax").value == -1
    assert ev.evaluate("$pc").type.name == "void (*)()"
    assert ev.evaluate("$sp").type.name == "void *"


def test_cast_reads_typeless_data_symbol(ev):
    assert ev.evaluate("(int)fibo_scs").value == 7


def test_pointer_dereference_reads_memory(ev):
    assert ev.evaluate("*(unsigned int *)0xc1002014").value == 9
    assert ev.evaluate("{int} (0xc1002010 + 4)").value == 9


def test_pointer_arithmetic_scales_by_the_pointee(ev):
    assert ev.evaluate("*((u_int32_t *)&fibo_scs + 1)").value == 9


def test_typeless_data_symbol_needs_a_cast(ev):
    with pytest.raises(CommandError, match="'fibo_scs' has unknown type; cast it to its declared type"):
        ev.evaluate("fibo_scs + 1")


def test_function_symbol_is_its_address(ev):
    assert ev.address_of("fibo_read") == 0xDCA4F000


def test_unmapped_dereference_is_gdbs_memory_error(ev):
    with pytest.raises(CommandError, match=r"^Cannot access memory at address 0x0$"):
        ev.evaluate("*(int *)0")


def test_unknown_symbol_and_syntax_errors(ev):
    with pytest.raises(CommandError, match='No symbol "nosuch" in current context.'):
        ev.evaluate("nosuch")
    with pytest.raises(CommandError, match="A syntax error in expression"):
        ev.evaluate("1 +")
    with pytest.raises(CommandError, match="Division by zero"):
        ev.evaluate("1 / 0")


def test_assignment_writes_registers_and_memory():
    ctx = FakeContext()
    ev = Evaluator(ctx, "i386")
    ev.evaluate("$eax = 42")
    ev.evaluate("*(int *)0xc1002010 = -2")
    assert ctx.regs["eax"] == 42
    assert ctx.read_memory(0xC1002010, 4) == (-2 & 0xFFFFFFFF).to_bytes(4, "little")
