"""Where kemu's own data lives: the guest SDK headers and the prebuilt fixtures.

Both sit beside the package in the source tree (kemu is installed editable, as README says),
so a module author's `kemu cc` and `kemu demo` find them without any copying.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUEST = ROOT / "guest"
FIXTURES = ROOT / "fixtures"


def fixture(*parts: str) -> Path:
    """Path of a committed fixture, e.g. fixture("netbsd-lkm", "i386", "gcc", "fibo.o")."""
    return FIXTURES.joinpath(*parts)
