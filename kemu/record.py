"""Record classes without the dataclasses module's cost at start-up.

`@dataclass` writes each class's `__init__`, `__repr__` and `__eq__` as source text and compiles
it when the class is defined: about half a millisecond a class on Python 3.11, plus the import
of dataclasses itself (which imports inspect), paid by every `kemu` command for each record its
modules define (issue 8, "Startup"); typing.NamedTuple is no cheaper, as it compiles each string
annotation. The records a plain run defines are therefore `Record` subclasses whose `__init__`
is written as usual and whose other methods come from here, chosen by class keywords as
`@dataclass` chooses them by its arguments:

    class Slot(Record, fields=("id", "name", "state")):             # @dataclass
    class Image(Record, fields=("base", "size"), eq=False):          # @dataclass(eq=False)
    class Layout(Record, fields=("name", "size"), frozen=True):      # @dataclass(frozen=True)

* repr is `Name(field=value, ...)` over `fields`, as a dataclass shows itself;
* with `eq` (the default), == holds between records of the same class whose `compare` fields
  (default: all of `fields`) are equal; the record is unhashable unless frozen;
* with `frozen`, assigning or deleting an attribute raises AttributeError; `__init__` fills
  `vars(self)` directly, and the record hashes over its compared fields;
* `_replace(**changes)` is a copy with some fields changed (dataclasses.replace).
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any, Callable, ClassVar


class Record:
    """Base of the written-out records; see the module docstring for the class keywords."""

    _fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[str, ...]] = ()
    _compared_values: ClassVar[Callable[[Any], tuple]]     # the compared fields' values, in order

    def __init_subclass__(cls, *, fields: tuple[str, ...] = (), compare: tuple[str, ...] | None = None,
                          eq: bool = True, frozen: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._fields = tuple(fields)
        cls._compared = cls._fields if compare is None else tuple(compare)
        cls._compared_values = staticmethod(_values_getter(cls._compared))  # type: ignore[assignment]
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

    def _replace(self, **changes: Any) -> Any:
        """A copy with some fields changed (as dataclasses.replace; `__init__` takes every field
        by its name)."""
        values = {name: getattr(self, name) for name in self._fields}
        values.update(changes)
        return type(self)(**values)


def _values_getter(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """A function returning the named attributes as a tuple (attrgetter returns a bare value for
    a single name)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda record: (one(record),)
    if not names:
        return lambda record: ()
    return attrgetter(*names)


def _equal(self: Record, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    values = self._compared_values
    return values(self) == values(other)


def _hash(self: Record) -> int:
    return hash(self._compared_values(self))


def _refuse_assignment(self: Record, name: str, value: Any) -> None:
    raise AttributeError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _refuse_deletion(self: Record, name: str) -> None:
    raise AttributeError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")
