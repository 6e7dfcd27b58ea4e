"""A small C-like expression evaluator for `print`, `x`, `break *ADDR`, `watch`, `set var`.

It covers what people type at a kernel debugger without type information from DWARF:
numbers, `$registers` (and `$pc`, `$sp`, `$fp`), `$N` value history, symbols, the C
operators, casts to the scalar C types and pointers to them (`*(u_int32_t *)$esp`,
`{int} 0xc1002010`), `&sym`, and assignment for `set var`. A symbol of the module is its
address when it names a function; a data symbol without a type can only be used through
`&sym` or a cast, exactly as gdb insists (`'fibo_refcnt' has unknown type; cast it to its
declared type`). Errors are `CommandError`s worded like gdb's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from kemu.debug.commands import CommandError


class Unavailable(Exception):
    """Raised by an EvalContext for a register an outer frame did not save: the value prints
    as `why` (gdb's `<not saved>`) and cannot be computed with."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Member:
    """One field of a struct or union as DWARF describes it."""
    name: str
    offset: int                     # bytes from the start of the aggregate
    type: "CType"
    bit_size: int = 0               # a bit-field's width (0: not a bit-field)
    bit_offset: int = 0             # its first bit, counted from bit 0 of the byte at `offset`


@dataclass(frozen=True)
class CType:
    """A C type: a scalar, a pointer, a function, a data object of unknown type, or — from
    DWARF — a struct, union, array or floating-point type."""
    name: str
    size: int
    signed: bool = False
    kind: str = "int"               # "int" | "ptr" | "func" | "unknown" | "void" | "float"
                                    # | "struct" | "union" | "array"
    target: "CType | None" = None   # pointee for "ptr", element for "array"
    encoding: str = ""              # "bool" | "char" for integers that print as such
    members: tuple[Member, ...] = ()                  # struct / union fields
    count: int = 0                                    # array elements
    enumerators: tuple[tuple[str, int], ...] = ()     # an enum's names (kind "int")

    def pointer(self, word_size: int) -> "CType":
        if self.kind == "array":
            name = self.name.replace(" [", " (*)[", 1)
        elif self.kind == "func" and "(" in self.name:
            name = self.name.replace(" (", " (*)(", 1)
        else:
            name = f"{self.name} *" if not self.name.endswith("*") else f"{self.name}*"
        return CType(name, word_size, False, "ptr", self)

    @property
    def aggregate(self) -> bool:
        """Structs, unions and arrays: values that are bytes in memory rather than a number."""
        return self.kind in ("struct", "union", "array")


def scalar_types(word_size: int) -> dict[str, CType]:
    """The C type names a cast may use, sized for the arch (LP64 on x86-64, ILP32 on i386)."""
    long_size = word_size
    t: dict[str, CType] = {}

    def add(size: int, signed: bool, *names: str) -> None:
        for n in names:
            t[n] = CType(n, size, signed)

    add(1, True, "char", "signed char", "int8_t")
    add(1, False, "unsigned char", "u_char", "u_int8_t", "uint8_t", "bool", "_Bool")
    add(2, True, "short", "short int", "signed short", "int16_t")
    add(2, False, "unsigned short", "u_short", "u_int16_t", "uint16_t")
    add(4, True, "int", "signed int", "signed", "int32_t")
    add(4, False, "unsigned int", "unsigned", "u_int", "u_int32_t", "uint32_t", "dev_t")
    add(long_size, True, "long", "long int", "signed long", "ssize_t", "off_t" if long_size == 8 else "long")
    add(long_size, False, "unsigned long", "u_long", "size_t", "uintptr_t", "vaddr_t", "vsize_t")
    add(8, True, "long long", "int64_t", "quad_t", "off_t")
    add(8, False, "unsigned long long", "u_int64_t", "uint64_t", "u_quad_t")
    t["void"] = CType("void", 1, False, "void")
    return t


@dataclass
class Value:
    """A value with its type and, when it can be assigned, where it lives.

    An aggregate's `value` is its address (`lval` says so too); a variable the debug
    information cannot locate here has `unavailable` set to what gdb prints instead
    (`<optimized out>`, `<not saved>`) and cannot take part in arithmetic."""
    value: int
    type: CType
    lval: tuple[str, object] | None = None   # ("reg", name) | ("mem", addr)
    symbol: str | None = None                # set for function and data symbols
    unavailable: str | None = None


class EvalContext(Protocol):
    word_size: int

    def read_register(self, name: str) -> int: ...
    def write_register(self, name: str, value: int) -> None: ...
    def register_names(self) -> set[str]: ...
    def read_memory(self, addr: int, size: int) -> bytes: ...
    def write_memory(self, addr: int, data: bytes) -> None: ...
    def lookup_symbol(self, name: str) -> tuple[int, int, str] | None: ...   # addr, size, "func"|"object"
    # optional: a parameter, local or global the debug information describes, as a Value
    # (consulted before symbols, as gdb looks in the selected frame's scope first)
    # def lookup_variable(self, name: str) -> "Value | None": ...
    def history(self, index: int | None) -> "Value": ...


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(?P<suffix>[uUlL]*)
  | (?P<char>'(?:\\.|[^'\\])')
  | (?P<reg>\$[A-Za-z_][A-Za-z0-9_]*|\$[0-9]*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>->|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>(){}\[\]=,@.])
""", re.X)

_BINARY_PRECEDENCE = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
    "<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

_REGISTER_ALIASES = {"i386": {"pc": "eip", "sp": "esp", "fp": "ebp", "ps": "eflags"},
                     "x86_64": {"pc": "rip", "sp": "rsp", "fp": "rbp", "ps": "eflags"}}

# what gdb says when a value it cannot read is used in an expression
_UNAVAILABLE_WORDS = {"<optimized out>": "value has been optimized out",
                      "<not saved>": "value is not available"}

_C_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39, '"': 34, "a": 7, "b": 8, "f": 12, "v": 11}


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise CommandError(f"Invalid character '{text[pos]}' in expression.")
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        if kind == "suffix":
            kind = "num"
        if m.group("num") is not None:
            tokens.append(("num", m.group("num")))
        else:
            tokens.append((kind, m.group(kind)))
    return tokens


class Evaluator:
    """Parses and evaluates one expression against an EvalContext."""

    def __init__(self, ctx: EvalContext, arch: str):
        self.ctx = ctx
        self.arch = arch
        self.word = ctx.word_size
        self.types = scalar_types(self.word)
        self.int_t = self.types["int"]
        self.long_t = self.types["long"]
        self.reg_t = self.types["int"] if self.word == 4 else self.types["long"]
        self.void_ptr = self.types["void"].pointer(self.word)
        self.code_ptr = CType("void (*)()", self.word, False, "ptr", CType("void ()", 1, False, "func"))
        self.tokens: list[tuple[str, str]] = []
        self.i = 0

    # ---- entry points -------------------------------------------------------------
    def evaluate(self, text: str) -> Value:
        if not text.strip():
            raise CommandError("Argument required (expression to compute).")
        self.tokens = tokenize(text)
        self.i = 0
        v = self._assignment()
        if self.i != len(self.tokens):
            raise CommandError(f"A syntax error in expression, near `{self._rest()}'.")
        return v

    def address_of(self, text: str) -> int:
        """An expression used as an address: a data symbol means its address, a pointer its value."""
        v = self.evaluate(text)
        if v.type.kind == "unknown":
            return v.value
        return v.value & self._mask(self.word)

    # ---- parser ---------------------------------------------------------------------
    def _rest(self) -> str:
        return " ".join(t for _, t in self.tokens[self.i:])

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _take(self, text: str) -> bool:
        t = self._peek()
        if t and t[1] == text and t[0] == "op":
            self.i += 1
            return True
        return False

    def _expect(self, text: str) -> None:
        if not self._take(text):
            near = self._rest()
            raise CommandError(f"A syntax error in expression, near `{near}'.")

    def _assignment(self) -> Value:
        left = self._binary(1)
        if self._take("="):
            right = self._assignment()
            return self._assign(left, right)
        return left

    def _binary(self, min_prec: int) -> Value:
        left = self._unary()
        while True:
            t = self._peek()
            if not t or t[0] != "op" or t[1] not in _BINARY_PRECEDENCE:
                return left
            prec = _BINARY_PRECEDENCE[t[1]]
            if prec < min_prec:
                return left
            self.i += 1
            right = self._binary(prec + 1)
            left = self._apply(t[1], left, right)

    def _cast_type(self) -> CType | None:
        """If the tokens at i are `TYPE [*...] )`, consume them and return the type."""
        j = self.i
        words: list[str] = []
        while j < len(self.tokens) and self.tokens[j][0] == "ident":
            words.append(self.tokens[j][1])
            j += 1
        if not words:
            return None
        name = " ".join(words)
        if name not in self.types:
            return None
        t = self.types[name]
        while j < len(self.tokens) and self.tokens[j] == ("op", "*"):
            t = t.pointer(self.word)
            j += 1
        self.i = j
        return t

    def _unary(self) -> Value:
        t = self._peek()
        if t is None:
            raise CommandError("A syntax error in expression, near `'.")
        if t[0] == "op":
            op = t[1]
            if op == "(":
                save = self.i
                self.i += 1
                ct = self._cast_type()
                if ct is not None and self._take(")"):
                    return self._cast(self._unary(), ct)
                self.i = save + 1
                v = self._assignment()
                self._expect(")")
                return self._postfix(v)
            if op == "{":
                self.i += 1
                ct = self._cast_type()
                if ct is None:
                    raise CommandError(f"No symbol \"{self._rest().split(' ')[0]}\" in current context.")
                self._expect("}")
                addr = self._unary()
                return self._load(addr.value, ct)
            self.i += 1
            if op == "-":
                v = self._unary()
                return self._int(-self._rvalue(v).value, self._promote(v.type))
            if op == "+":
                return self._rvalue(self._unary())
            if op == "~":
                v = self._rvalue(self._unary())
                return self._int(~v.value, self._promote(v.type))
            if op == "!":
                v = self._rvalue(self._unary())
                return self._int(int(not v.value), self.int_t)
            if op == "*":
                return self._deref(self._unary())
            if op == "&":
                v = self._unary()
                if v.lval is None or v.lval[0] != "mem":
                    raise CommandError("Attempt to take address of value not located in memory.")
                target = v.type if v.type.kind != "unknown" else CType(
                    "<data variable, no debug info>", 1, False, "unknown")
                return Value(int(v.lval[1]), target.pointer(self.word), symbol=v.symbol)
            raise CommandError(f"A syntax error in expression, near `{self._rest() or op}'.")
        return self._postfix(self._primary())

    def _postfix(self, v: Value) -> Value:
        """`v.member`, `v->member`, `v[index]`, as many as follow."""
        while True:
            if self._take("."):
                v = self._member(v, self._member_name(), arrow=False)
            elif self._take("->"):
                v = self._member(v, self._member_name(), arrow=True)
            elif self._take("["):
                index = self._rvalue(self._assignment())
                self._expect("]")
                v = self._deref(self._apply("+", v, index))
            else:
                return v

    def _member_name(self) -> str:
        t = self._peek()
        if t is None or t[0] != "ident":
            raise CommandError(f"A syntax error in expression, near `{self._rest()}'.")
        self.i += 1
        return t[1]

    def _member(self, v: Value, name: str, arrow: bool) -> Value:
        """A field of a struct/union value, or (`->`) of the one a pointer points at."""
        if arrow:
            if v.type.kind != "ptr" or v.type.target is None:
                raise CommandError(f"The -> operator must be applied to a pointer (not "
                                   f"{v.type.name}).")
            v = self._deref(v)
        if v.unavailable:
            raise CommandError(_UNAVAILABLE_WORDS.get(v.unavailable, "value is not available"))
        if v.type.kind not in ("struct", "union"):
            raise CommandError(f"Attempt to extract a component of a value that is not a structure"
                               f"{' pointer' if arrow else ''}.")
        for m in v.type.members:
            if m.name == name:
                if v.lval is None or v.lval[0] != "mem":
                    raise CommandError("Attempt to take address of value not located in memory.")
                field = self._load(int(v.lval[1]) + m.offset, m.type)
                if m.bit_size:
                    raw = field.value & self._mask(m.type.size)
                    bits = (raw >> m.bit_offset) & ((1 << m.bit_size) - 1)
                    if m.type.signed and bits >> (m.bit_size - 1):
                        bits -= 1 << m.bit_size
                    field = Value(bits, m.type)     # a bit-field is no lvalue here
                return field
        raise CommandError(f"There is no member named {name}.")

    def _primary(self) -> Value:
        kind, text = self.tokens[self.i]
        self.i += 1
        if kind == "num":
            digits = text.rstrip("uUlL")
            value = int(digits, 16) if digits.lower().startswith("0x") else int(digits, 8) if len(digits) > 1 and digits.startswith("0") else int(digits)
            t = self.int_t if value < 2 ** 31 else self.long_t if self.word == 8 and value < 2 ** 63 else self.types["unsigned long"] if value < 2 ** (8 * self.word) else self.types["unsigned long long"]
            return Value(value, t)
        if kind == "char":
            body = text[1:-1]
            ch = _C_ESCAPES.get(body[1], ord(body[1])) if body.startswith("\\") else ord(body)
            return Value(ch, self.types["char"])
        if kind == "reg":
            return self._register(text[1:])
        if kind == "ident":
            lookup_variable = getattr(self.ctx, "lookup_variable", None)
            var = lookup_variable(text) if lookup_variable is not None else None
            if var is not None:
                return var
            sym = self.ctx.lookup_symbol(text)
            if sym is None:
                raise CommandError(f'No symbol "{text}" in current context.')
            addr, size, skind = sym
            if skind == "func":
                return Value(addr, CType("<text variable, no debug info>", 1, False, "func"), symbol=text)
            return Value(addr, CType("<data variable, no debug info>", size or 1, False, "unknown"),
                         lval=("mem", addr), symbol=text)
        raise CommandError(f"A syntax error in expression, near `{text} {self._rest()}'.")

    def _register(self, name: str) -> Value:
        if name == "" or name.isdigit():
            return self.ctx.history(int(name) if name else None)
        real = _REGISTER_ALIASES[self.arch].get(name, name)
        if real not in self.ctx.register_names():
            if name.startswith("_") or name.isidentifier():
                # gdb: an unknown convenience variable is void
                return Value(0, self.types["void"])
            raise CommandError(f"Invalid register `{name}'")
        try:
            value = self.ctx.read_register(real)
        except Unavailable as exc:
            value, why = 0, exc.why
        else:
            why = None
        if name in ("pc",) or real in ("eip", "rip"):
            t = self.code_ptr
        elif name in ("sp", "fp") or real in ("esp", "rsp", "ebp", "rbp"):
            t = self.void_ptr
        elif real == "eflags" or self.word == 4 or real in ("cs", "ss", "ds", "es", "fs", "gs"):
            t = self.int_t
        else:
            t = self.long_t
        v = self._int(value, t)
        v.lval = ("reg", real)
        v.unavailable = why
        return v

    # ---- semantics ------------------------------------------------------------------
    @staticmethod
    def _mask(size: int) -> int:
        return (1 << (8 * size)) - 1

    def _int(self, value: int, t: CType) -> Value:
        value &= self._mask(t.size)
        if t.signed and value >= 1 << (8 * t.size - 1):
            value -= 1 << (8 * t.size)
        return Value(value, t)

    def _promote(self, t: CType) -> CType:
        if t.kind == "ptr":
            return t
        if t.size < 4:
            return self.int_t
        return t

    def _rvalue(self, v: Value) -> Value:
        if v.unavailable:
            raise CommandError(_UNAVAILABLE_WORDS.get(v.unavailable, "value is not available"))
        if v.type.kind == "array":
            # an array used as a value is the address of its first element, as in C
            return Value(v.value & self._mask(self.word), v.type.target.pointer(self.word))
        if v.type.kind in ("struct", "union"):
            raise CommandError(f"Argument to arithmetic operation not a number or boolean.")
        if v.type.kind == "float":
            raise CommandError("kemu: floating-point arithmetic is not supported; print the variable alone")
        if v.type.kind == "unknown":
            raise CommandError(f"'{v.symbol}' has unknown type; cast it to its declared type")
        if v.type.kind == "void":
            raise CommandError("Attempt to use a type name as an expression" if v.symbol else "Attempt to take contents of a non-pointer value.")
        return v

    def _load(self, addr: int, t: CType) -> Value:
        if t.kind == "void":
            raise CommandError("Attempt to take contents of a non-pointer value.")
        addr &= self._mask(self.word)
        if t.aggregate:
            return Value(addr, t, lval=("mem", addr))    # its bytes are read when printed
        data = self._read(addr, t.size)
        v = self._int(int.from_bytes(data, "little"), t)
        v.lval = ("mem", addr)
        return v

    def _read(self, addr: int, size: int) -> bytes:
        try:
            return self.ctx.read_memory(addr, size)
        except CommandError:
            raise
        except Exception:
            raise CommandError(f"Cannot access memory at address {addr:#x}") from None

    def _deref(self, v: Value) -> Value:
        if v.unavailable or v.type.kind == "array":
            v = self._rvalue(v)
        if v.type.kind == "ptr":
            return self._load(v.value, v.type.target)
        if v.type.kind == "func":
            return v
        if v.type.kind == "unknown":
            raise CommandError(f"'{v.symbol}' has unknown type; cast it to its declared type")
        if v.type.kind == "int":
            # gdb treats `*ADDR` on an integer as a `long` (word) in memory
            return self._load(v.value, self.long_t)
        raise CommandError("Attempt to take contents of a non-pointer value.")

    def _cast(self, v: Value, t: CType) -> Value:
        if v.type.kind == "unknown":
            # a cast gives a typeless data symbol its type: read the object as that type
            return self._load(v.value, t)
        v = self._rvalue(v)
        if t.kind == "ptr":
            return Value(v.value & self._mask(self.word), t)
        return self._int(v.value, t)

    def _apply(self, op: str, a: Value, b: Value) -> Value:
        if a.type.kind == "func":
            a = Value(a.value, self.long_t if self.word == 8 else self.types["unsigned long"])
        if b.type.kind == "func":
            b = Value(b.value, self.long_t if self.word == 8 else self.types["unsigned long"])
        a, b = self._rvalue(a), self._rvalue(b)
        if op in ("+", "-") and a.type.kind == "ptr" and b.type.kind != "ptr":
            scale = max(1, a.type.target.size if a.type.target and a.type.target.kind != "void" else 1)
            return Value((a.value + (b.value if op == "+" else -b.value) * scale) & self._mask(self.word), a.type)
        if op == "-" and a.type.kind == "ptr" and b.type.kind == "ptr":
            scale = max(1, a.type.target.size if a.type.target else 1)
            return self._int((a.value - b.value) // scale, self.long_t)
        t = self._arith_type(a.type, b.type)
        x, y = a.value, b.value
        if op in ("/", "%") and y == 0:
            raise CommandError("Division by zero")
        result = {
            "+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
            "/": lambda: int(x / y) if t.signed else x // y,
            "%": lambda: x - int(x / y) * y if t.signed else x % y,
            "&": lambda: x & y, "|": lambda: x | y, "^": lambda: x ^ y,
            "<<": lambda: x << (y & 63), ">>": lambda: x >> (y & 63),
            "==": lambda: int(x == y), "!=": lambda: int(x != y), "<": lambda: int(x < y),
            ">": lambda: int(x > y), "<=": lambda: int(x <= y), ">=": lambda: int(x >= y),
            "&&": lambda: int(bool(x) and bool(y)), "||": lambda: int(bool(x) or bool(y)),
        }[op]()
        if op in ("==", "!=", "<", ">", "<=", ">=", "&&", "||"):
            return Value(result, self.int_t)
        return self._int(result, t)

    def _arith_type(self, a: CType, b: CType) -> CType:
        a, b = self._promote(a), self._promote(b)
        if a.kind == "ptr":
            return self.types["unsigned long"]
        if b.kind == "ptr":
            return self.types["unsigned long"]
        if a.size != b.size:
            return a if a.size > b.size else b
        return a if not a.signed else b

    def _assign(self, left: Value, right: Value) -> Value:
        right = self._rvalue(right)
        if left.lval is None:
            raise CommandError("Left operand of assignment is not an lvalue.")
        if left.type.kind == "unknown":
            raise CommandError(f"'{left.symbol}' has unknown type; cast it to its declared type")
        where, loc = left.lval
        value = self._int(right.value, left.type) if left.type.kind != "ptr" else Value(right.value & self._mask(self.word), left.type)
        if where == "reg":
            self.ctx.write_register(str(loc), value.value & self._mask(max(left.type.size, self.word)))
        else:
            try:
                self.ctx.write_memory(int(loc), (value.value & self._mask(left.type.size)).to_bytes(left.type.size, "little"))
            except CommandError:
                raise
            except Exception:
                raise CommandError(f"Cannot access memory at address {int(loc):#x}") from None
        value.lval = left.lval
        return value
