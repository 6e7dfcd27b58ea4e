"""Record classes without the dataclasses module's cost at start-up.

`@dataclass` writes each class's `__init__`, `__repr__` and `__eq__` as source text and compiles
it when the class is defined: about half a millisecond a class on Python 3.11, plus the import
of dataclasses itself (which imports inspect), paid by every `kemu` command for each record its
modules define (issue 8, "Startup"). The records a plain run defines are therefore written out:
an immutable record with plain value semantics is a `typing.NamedTuple`; any other one is a
`Record` subclass whose `__init__` is written as usual and whose other methods come from here,
chosen by class keywords as `@dataclass` chooses them by its arguments:

    class Slot(Record, fields=("id", "name", "state")):             # @dataclass
    class Image(Record, fields=("base", "size"), eq=False):          # @dataclass(eq=False)
    class Layout(Record, fields=("name", "size"), frozen=True):      # @dataclass(frozen=True)

* repr is `Name(field=value, ...)` over `fields`, as a dataclass shows itself;
* with `eq` (the default), == holds between records of the same class whose `compare` fields
  (default: all of `fields`) are equal; the record is unhashable unless frozen;
* with `frozen`, assigning or deleting an attribute raises AttributeError; `__init__` fills
  `vars(self)` directly, and the record hashes over its compared fields.
"""
from __future__ import annotations

from typing import Any, ClassVar


class Record:
    """Base of the written-out records; see the module docstring for the class keywords."""

    _fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, *, fields: tuple[str, ...] = (), compare: tuple[str, ...] | None = None,
                          eq: bool = True, frozen: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._fields = tuple(fields)
        cls._compared = cls._fields if compare is None else tuple(compare)
        own = vars(cls)
        if eq and "__eq__" not in own:
            cls.__eq__ = _equal               # type: ignore[method-assign]
            if "__hash__" not in own:
                cls.__hash__ = _hash if frozen else None   # type: ignore[assignment]
        if frozen:
            cls.__setattr__ = _refuse_assignment  # type: ignore[method-assign]
            cls.__delattr__ = _refuse_deletion    # type: ignore[method-assign]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({shown})"


def _compared_values(record: Record) -> tuple:
    return tuple(getattr(record, name) for name in record._compared)


def _equal(self: Record, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _compared_values(self) == _compared_values(other)  # type: ignore[arg-type]


def _hash(self: Record) -> int:
    return hash(_compared_values(self))


def _refuse_assignment(self: Record, name: str, value: Any) -> None:
    raise AttributeError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _refuse_deletion(self: Record, name: str) -> None:
    raise AttributeError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")
