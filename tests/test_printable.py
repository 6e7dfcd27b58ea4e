"""kemu.printable: names from files and the guest never reach a terminal raw."""
from kemu.printable import printable, printable_lines


def test_control_bytes_become_hex_escapes():
    assert printable("fibo\x08\x1b[2Jx\x7f") == "fibo\\x08\\x1b[2Jx\\x7f"


def test_invisible_unicode_becomes_a_u_escape():
    assert printable("a\u202eb\u200bc") == "a\\u202eb\\u200bc"


def test_ordinary_names_are_unchanged():
    assert printable("fibo_read.constprop.0 é") == "fibo_read.constprop.0 é"


def test_newlines_survive_only_in_printable_lines():
    assert printable("a\nb") == "a\\x0ab"
    assert printable_lines("a\nb\tc") == "a\nb\\x09c"


def test_every_character_it_escapes_is_outside_pythons_printable_set():
    # printable() returns a text that str.isprintable() accepts unchanged, without the regex
    from kemu.printable import _UNSAFE, _UNSAFE_BUT_NEWLINE, _pattern
    for chars in (_UNSAFE, _UNSAFE_BUT_NEWLINE):
        pattern = _pattern(chars)
        escaped = [c for c in map(chr, range(0x3000)) if pattern.fullmatch(c)] + ["\ufeff"]
        assert escaped and not any(c.isprintable() for c in escaped)
