"""Command names resolve as gdb resolves them; unknown and ambiguous words get gdb's wording."""
import pytest

from kemu.debug.commands import CommandError, parse_line, resolve_command, resolve_info


@pytest.mark.parametrize("word,name", [
    ("b", "break"), ("br", "break"), ("c", "continue"), ("s", "step"), ("n", "next"),
    ("si", "stepi"), ("ni", "nexti"), ("bt", "backtrace"), ("where", "backtrace"),
    ("i", "info"), ("p", "print"), ("x", "x"), ("disas", "disassemble"), ("fin", "finish"),
    ("u", "until"), ("tb", "tbreak"), ("l", "list"), ("k", "kill"), ("q", "quit"),
    ("wa", "watch"), ("disp", "display"), ("dis", "disable"), ("del", "delete"), ("d", "delete"),
])
def test_aliases_and_unique_prefixes(word, name):
    assert resolve_command(word).name == name


def test_unknown_command_gets_gdbs_message():
    with pytest.raises(CommandError, match=r'^Undefined command: "frobnicate"\.  Try "help"\.$'):
        resolve_command("frobnicate")


def test_ambiguous_prefix_lists_the_candidates():
    with pytest.raises(CommandError, match=r'^Ambiguous command "di": disable, disassemble, display\.$'):
        resolve_command("di")


def test_info_subcommands_resolve_abbreviations():
    assert resolve_info("r") == "registers"
    assert resolve_info("b") == "breakpoints"
    assert resolve_info("sym") == "symbol"
    with pytest.raises(CommandError, match='Undefined info command: "bogus"'):
        resolve_info("bogus")


def test_parse_line_splits_format_suffix():
    parsed = parse_line("x/8xw $sp")
    assert (parsed.command.name, parsed.fmt, parsed.args) == ("x", "8xw", "$sp")


def test_blank_and_comment_lines_are_no_commands():
    assert parse_line("   ") is None
    assert parse_line("# a comment") is None
