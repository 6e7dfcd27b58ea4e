"""kemu.record: written-out records behave as the @dataclass forms they replace (repr, ==,
hash, frozen) without compiling generated code at import."""
import copy
import pickle

import pytest

from kemu.record import Record


class Point(Record, fields=("x", "y")):
    def __init__(self, x: int, y: int = 0) -> None:
        self.x = x
        self.y = y


class Handle(Record, fields=("name",), eq=False):
    def __init__(self, name: str) -> None:
        self.name = name


class Layout(Record, fields=("name", "size", "note"), compare=("name", "size"), frozen=True):
    def __init__(self, name: str, size: int, note: str = "") -> None:
        vars(self).update(name=name, size=size, note=note, _index={"name": 0})


def test_repr_names_the_class_and_each_field_in_order():
    assert repr(Point(1, 2)) == "Point(x=1, y=2)"
    assert repr(Layout("uio", 28, "i386")) == "Layout(name='uio', size=28, note='i386')"


def test_records_of_one_class_with_equal_fields_are_equal():
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(1, 3)


def test_records_of_different_classes_are_never_equal():
    class Other(Record, fields=("x", "y")):
        def __init__(self, x: int, y: int) -> None:
            self.x, self.y = x, y

    assert Point(1, 2) != Other(1, 2)
    assert Point(1, 2) != (1, 2)


def test_a_mutable_record_with_equality_is_unhashable_like_a_dataclass():
    with pytest.raises(TypeError):
        hash(Point(1))


def test_eq_false_keeps_identity_equality_and_hash():
    a, b = Handle("fibo"), Handle("fibo")
    assert a != b and a == a
    assert len({a, b}) == 2


def test_frozen_records_refuse_assignment_and_deletion():
    layout = Layout("uio", 28)
    with pytest.raises(AttributeError, match="frozen Layout"):
        layout.size = 32
    with pytest.raises(AttributeError, match="frozen Layout"):
        del layout.name
    assert layout.size == 28


def test_frozen_records_compare_and_hash_over_the_compared_fields_only():
    a, b = Layout("uio", 28, "from i386 headers"), Layout("uio", 28, "written by hand")
    assert a == b and hash(a) == hash(b)
    assert Layout("uio", 28) != Layout("uio", 32)


def test_frozen_records_survive_copy_and_pickle_with_their_extra_state():
    layout = Layout("uio", 28, "i386")
    for clone in (copy.copy(layout), copy.deepcopy(layout), pickle.loads(pickle.dumps(layout))):
        assert clone == layout and clone.note == "i386" and clone._index == {"name": 0}


def test_a_class_body_eq_is_kept():
    class Loose(Record, fields=("x",)):
        def __init__(self, x: int) -> None:
            self.x = x

        def __eq__(self, other: object) -> bool:
            return True

    assert Loose(1) == Loose(2)


def test_replace_is_a_copy_with_the_named_fields_changed():
    layout = Layout("uio", 28, "i386")
    changed = layout._replace(size=32)
    assert changed == Layout("uio", 32, "i386") and changed.note == "i386"
    assert layout.size == 28
