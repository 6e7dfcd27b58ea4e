"""C prototype parsing: names, types, widths per arch, signedness, slots, variadic."""
import re

import pytest

from kemu.kernel import PrototypeError, parse_prototype


def params(proto):
    return [(p.name, p.ctype.spelling) for p in proto.params]


def test_uiomove_prototype_gives_names_and_types():
    p = parse_prototype("int uiomove(void *buf, size_t n, struct uio *uio)")
    assert p.name == "uiomove" and p.ret.spelling == "int" and not p.variadic
    assert params(p) == [("buf", "void *"), ("n", "size_t"), ("uio", "struct uio *")]


def test_printf_is_variadic_after_its_format():
    p = parse_prototype("int printf(const char *fmt, ...)")
    assert p.variadic and params(p) == [("fmt", "const char *")]
    assert str(p) == "int printf(const char *fmt, ...)"


def test_pointer_return_type():
    p = parse_prototype("void *malloc(unsigned long size, int type, int flags)")
    assert p.ret.pointer and p.ret.spelling == "void *"
    assert [q.ctype.size("i386") for q in p.params] == [4, 4, 4]
    assert [q.ctype.size("x86_64") for q in p.params] == [8, 4, 4]
    assert [q.ctype.signed for q in p.params] == [False, True, True]


def test_64_bit_argument_takes_two_slots_on_i386_only():
    p = parse_prototype("long long f(u_int64_t x)")
    x = p.params[0].ctype
    assert (x.size("i386"), x.slots("i386"), x.slots("x86_64"), x.signed) == (8, 2, 1, False)
    assert p.ret.size("i386") == 8 and p.ret.signed


@pytest.mark.parametrize("typename, i386, x86_64, signed", [
    ("size_t", 4, 8, False), ("ssize_t", 4, 8, True), ("off_t", 8, 8, True), ("dev_t", 4, 4, False),
    ("u_int32_t", 4, 4, False), ("u_long", 4, 8, False), ("int64_t", 8, 8, True), ("u_char", 1, 1, False),
    ("short", 2, 2, True), ("unsigned short", 2, 2, False), ("long", 4, 8, True), ("char", 1, 1, True),
    ("unsigned", 4, 4, False), ("uintptr_t", 4, 8, False), ("u8", 1, 1, False), ("loff_t", 8, 8, True),
])
def test_kernel_typedef_widths(typename, i386, x86_64, signed):
    t = parse_prototype(f"void f({typename} v)").params[0].ctype
    assert (t.size("i386"), t.size("x86_64"), t.signed, t.pointer) == (i386, x86_64, signed, False)


def test_caddr_t_is_a_pointer():
    t = parse_prototype("int f(caddr_t data)").params[0].ctype
    assert t.pointer and t.size("x86_64") == 8


def test_unnamed_parameters_get_positional_names():
    p = parse_prototype("int f(size_t, char *, unsigned long)")
    assert params(p) == [("arg0", "size_t"), ("arg1", "char *"), ("arg2", "unsigned long")]


def test_void_parameter_list_means_no_parameters():
    assert parse_prototype("int nullop(void)").params == ()
    assert parse_prototype("int enodev()").params == ()


def test_function_pointer_parameter_is_a_pointer_with_its_name():
    p = parse_prototype("void timeout(void (*fn)(void *), void *arg, int ticks)")
    assert p.params[0].name == "fn" and p.params[0].ctype.pointer
    assert str(p.params[0]) == "void (*fn)()"


def test_array_parameter_decays_to_pointer():
    p = parse_prototype("int f(char buf[], int n)")
    assert p.params[0].ctype.pointer and p.params[0].ctype.spelling == "char *"


def test_trailing_semicolon_and_attributes_are_ignored():
    p = parse_prototype("int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));")
    assert p.name == "printf" and p.variadic


def test_personality_typedefs_override_the_defaults():
    p = parse_prototype("int f(dev_t d)", typedefs={"dev_t": (8, 8, False, False)})
    assert p.params[0].ctype.slots("i386") == 2


def test_fixed_slots_count_two_for_i386_64_bit_values():
    p = parse_prototype("int f(int a, off_t b, const char *fmt, ...)")
    assert p.fixed_slots("i386") == 4 and p.fixed_slots("x86_64") == 3


@pytest.mark.parametrize("text, message", [
    ("int f(struct uio u)", "passes struct uio by value"),
    ("int f(frob_t x)", "unknown type 'frob_t'"),
    ("int f(...)", "needs a named parameter before it"),
    ("int f(int a, ..., int b)", "must be the last parameter"),
    ("int f(int a, int a)", "used twice"),
    ("int (int a)", "missing function name"),
    ("int f(int a", "expected 'type name(parameters)'"),
    ("int f(double d)", "floating-point"),
    ("int f(void v)", "has type void"),
    ("int f(int @)", "unexpected character '@'"),
])
def test_malformed_prototypes_are_rejected_with_the_reason(text, message):
    with pytest.raises(PrototypeError, match=re.escape(message)) as info:
        parse_prototype(text)
    assert repr(text.strip()) in str(info.value)


def test_unknown_arch_is_an_error():
    with pytest.raises(ValueError, match="unknown arch"):
        parse_prototype("int f(int a)").params[0].ctype.size("arm64")
