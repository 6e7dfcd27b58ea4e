"""State a subsystem keeps for the whole life of one booted kernel, made when first used (most
runs never touch most subsystems): `state(k, "dmi", Dmi)` is `k.linux.dmi`, built as
`Dmi(k.linux)` the first time."""
from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")


def state(k, name: str, factory: Callable[..., T]) -> T:
    """The kernel's `name` attribute, made by `factory(linux)` on first use."""
    linux = k.linux
    value = getattr(linux, name, None)
    if value is None:
        value = factory(linux)
        setattr(linux, name, value)
    return value
