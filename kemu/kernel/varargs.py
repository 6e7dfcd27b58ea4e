"""The `VarArgs` protocol: how a variadic service pulls its `...` arguments one by one.

The machine's trap hands a variadic service an object that reads the next argument from
registers or the stack as the ABI says; `printf` asks for each argument with the width its
conversion implies (`%d` → 4 bytes signed, `%lld` → 8, `%p` → a pointer). `ListVarArgs` is the
same protocol over a Python list, so personalities can format kernel messages from Python
(`log()` building a line, tests) with exactly the guest's truncation and sign rules.
"""
from __future__ import annotations

from typing import Iterable, Protocol, runtime_checkable


@runtime_checkable
class VarArgs(Protocol):
    """Sequential access to variadic arguments; `word_size` is 4 on i386 and 8 on x86-64."""

    word_size: int

    def next_int(self, size: int, signed: bool) -> int:
        """The next integer argument of `size` bytes (1, 2, 4 or 8) with C promotion rules."""
        ...

    def next_ptr(self) -> int:
        """The next pointer argument (unsigned, one machine word)."""
        ...


class ListVarArgs:
    """VarArgs over Python integers: each list item is one C argument as the caller wrote it.

    Values are truncated and sign-converted to the width asked for, as reading a register or
    stack slot of that width would; running out of arguments raises IndexError naming how many
    were given (the guest would read garbage, a Python caller deserves a clear error).
    """

    def __init__(self, values: Iterable[int], word_size: int = 8):
        if word_size not in (4, 8):
            raise ValueError(f"word_size must be 4 or 8, not {word_size}")
        self.values = list(values)
        self.word_size = word_size
        self.index = 0

    def _next(self) -> int:
        if self.index >= len(self.values):
            raise IndexError(f"format wants more than the {len(self.values)} argument(s) given")
        value = self.values[self.index]
        self.index += 1
        return int(value)

    def next_int(self, size: int, signed: bool) -> int:
        bits = 8 * size
        value = self._next() & ((1 << bits) - 1)
        if signed and value >> (bits - 1):
            value -= 1 << bits
        return value

    def next_ptr(self) -> int:
        return self._next() & ((1 << (8 * self.word_size)) - 1)
