"""kstrto*() (lib/kstrtox.c, 6.1): the strict string-to-integer conversions a store() or a
write() handler uses on what user space wrote.

The whole string must be the number, optionally followed by one newline; a leading '+' is
accepted, a '-' only for the signed kinds; base 0 picks 16 for "0x", 8 for a leading "0",
else 10, and base 16 also accepts a "0x" prefix. -EINVAL for anything else, -ERANGE when
the value does not fit the type; the result is written only on success.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("kstrto")


def kstrto(text: bytes, base: int, bits: int, signed: bool) -> tuple[int, int | None]:
    """(0, value) or (error name, None) for the kernel's kstrto rules."""
    s = text.decode("latin-1")
    if s.endswith("\n"):
        s = s[:-1]
    neg = False
    if s.startswith("+"):
        s = s[1:]
    elif s.startswith("-") and signed:
        neg, s = True, s[1:]
    if base == 0:
        base = 16 if s[:2].lower() == "0x" and len(s) > 2 else 8 if s.startswith("0") and len(s) > 1 else 10
    if base == 16 and s[:2].lower() == "0x":
        s = s[2:]
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    if not s or any(c not in digits for c in s.lower()):
        return "EINVAL", None
    value = int(s, base)
    if value >= 1 << 64:
        return "ERANGE", None
    if neg:
        value = -value
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not lo <= value <= hi:
        return "ERANGE", None
    return 0, value


def _convert(k, s: int, base: int, res: int, bits: int, signed: bool) -> int:
    err, value = kstrto(k.machine.mem.read_cstr(s), base & 0xFFFFFFFF, bits, signed)
    if err:
        return -getattr(k.errno, err)
    k.check_length(res, bits // 8, "write")
    k.machine.mem.write_int(res, bits // 8, value & ((1 << bits) - 1))
    return 0


def _make(name: str, ctype: str, bits: int, signed: bool) -> None:
    def service(k, s: int, base: int, res: int) -> int:
        return _convert(k, s, base, res, bits, signed)
    service.__name__ = name
    service.__doc__ = f"Parse a whole {ctype} (base 0: auto); 0, -EINVAL or -ERANGE."
    table.service(f"int {name}(const char *s, unsigned int base, {ctype} *res)")(service)


for _name, _ctype, _bits, _signed in (
        ("kstrtoint", "int", 32, True), ("kstrtouint", "unsigned int", 32, False),
        ("kstrtoll", "long long", 64, True), ("kstrtoull", "unsigned long long", 64, False),
        ("kstrtou16", "u16", 16, False), ("kstrtos16", "s16", 16, True),
        ("kstrtou8", "u8", 8, False), ("kstrtos8", "s8", 8, True)):
    _make(_name, _ctype, _bits, _signed)


@table.service("int _kstrtol(const char *s, unsigned int base, long *res)")
def _kstrtol(k, s: int, base: int, res: int) -> int:
    """kstrtol's out-of-line half (long: the word size)."""
    return _convert(k, s, base, res, 8 * k.machine.word_size, True)


@table.service("int _kstrtoul(const char *s, unsigned int base, unsigned long *res)")
def _kstrtoul(k, s: int, base: int, res: int) -> int:
    """kstrtoul's out-of-line half (unsigned long: the word size)."""
    return _convert(k, s, base, res, 8 * k.machine.word_size, False)


@table.service("int kstrtobool(const char *s, bool *res)")
def kstrtobool(k, s: int, res: int) -> int:
    """y/Y/1/on → true, n/N/0/off → false (first one or two characters); -EINVAL otherwise."""
    text = k.machine.mem.read_cstr(s, 3) if s else b""
    first = text[:1].lower()
    value = None
    if first in (b"y", b"1"):
        value = 1
    elif first in (b"n", b"0"):
        value = 0
    elif first == b"o":
        second = text[1:2].lower()
        value = 1 if second == b"n" else 0 if second == b"f" else None
    if value is None:
        return -k.errno.EINVAL
    k.check_length(res, 1, "write")
    k.machine.mem.write_int(res, 1, value)
    return 0
