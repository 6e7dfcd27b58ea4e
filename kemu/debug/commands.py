"""The debugger's command names: gdb's spellings, aliases and unique-prefix abbreviations.

People type `b`, `si`, `ni`, `bt`, `disas`, `i r`, `x/8xw $sp` from muscle memory, so the
names resolve as gdb resolves them: a predefined alias wins (`s` is step, `n` next, `c`
continue, `i` info); otherwise any unique prefix of a command names it; an ambiguous prefix
and an unknown word get gdb's own error wording. The table only names things; what each
command does lives in the `cmd_*` modules, found through `command_table`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


class CommandError(Exception):
    """A user error in a command: the message is printed as gdb would print it and the session goes on."""


@dataclass(frozen=True)
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    summary: str


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("break", ("b", "br"), "Set a breakpoint: break [SYMBOL | SYMBOL+OFF | *ADDR | FILE:LINE | LINE]"),
    CommandSpec("tbreak", (), "Set a temporary breakpoint (deleted when hit)"),
    CommandSpec("delete", ("d",), "Delete breakpoints: delete [N ...] (all when none given)"),
    CommandSpec("disable", ("dis", "disa"), "Disable breakpoints: disable [N ...]"),
    CommandSpec("enable", (), "Enable breakpoints: enable [N ...]"),
    CommandSpec("continue", ("c", "cont", "fg"), "Continue running the module until a breakpoint or the end of the call"),
    CommandSpec("stepi", ("si",), "Step one instruction (into calls to module functions): stepi [N]"),
    CommandSpec("nexti", ("ni",), "Step one instruction, stepping over calls (kernel services included): nexti [N]"),
    CommandSpec("step", ("s",), "Step to the next source line, entering functions: step [N]"),
    CommandSpec("next", ("n",), "Step to the next source line, stepping over calls: next [N]"),
    CommandSpec("finish", ("fin",), "Run until the current function returns; print its return value"),
    CommandSpec("until", ("u",), "Run until a source line greater than the current one, or until LOCATION"),
    CommandSpec("advance", (), "Run until LOCATION (or the current function returns)"),
    CommandSpec("backtrace", ("bt", "where"), "Show the call stack: backtrace [N]"),
    CommandSpec("frame", ("f",), "Show the selected frame, or select frame N: frame [N]"),
    CommandSpec("up", (), "Select the frame that called this one: up [N]"),
    CommandSpec("down", ("do",), "Select the frame this one called: down [N]"),
    CommandSpec("info", ("i", "inf"), "info breakpoints|registers|all-registers|symbol ADDR|line|frame|args|locals|display|source|services|watchpoints"),
    CommandSpec("print", ("p", "inspect"), "Print an expression: print[/FMT] EXPR (registers are $eax, $pc, $sp ...; "
                "with DWARF also arguments, locals, globals, ->, . and [])"),
    CommandSpec("output", (), "Like print, without the $N = history label or newline"),
    CommandSpec("set", (), "set var $REG = EXPR | set {TYPE} ADDR = EXPR | set *(TYPE *) ADDR = EXPR"),
    CommandSpec("x", (), "Examine memory: x/FMT ADDR (FMT = count, format x d u o t a c s i z, size b h w g)"),
    CommandSpec("disassemble", (), "Disassemble the function around pc, or SYMBOL, or START,END / START,+LEN"),
    CommandSpec("list", ("l",), "List source lines: list [LINE | FILE:LINE | FUNCTION | FIRST,LAST]"),
    CommandSpec("watch", (), "Stop when memory is written and changes: watch SYMBOL | *ADDR | *(TYPE *) ADDR"),
    CommandSpec("display", (), "Evaluate and show an expression at every stop: display[/FMT] EXPR"),
    CommandSpec("undisplay", (), "Cancel displays: undisplay [N ...]"),
    CommandSpec("context", ("ctx",), "Show the context panel again"),
    CommandSpec("kill", ("k",), "Abort the running module call; the module call fails"),
    CommandSpec("quit", ("q", "exit"), "Leave the debugger"),
    CommandSpec("help", ("h",), "List commands, or describe one: help [COMMAND]"),
    CommandSpec("echo", (), "Print text (C escapes like \\n understood)"),
    CommandSpec("shell", ("!",), "Run a command of the guest system's shell (od, ls -l, modstat ...)"),
)

INFO_SUBCOMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("breakpoints", ("b", "br", "break")),
    ("registers", ("r", "reg")),
    ("all-registers", ()),
    ("symbol", ()),
    ("line", ()),
    ("frame", ("f",)),
    ("args", ()),
    ("locals", ()),
    ("display", ()),
    ("source", ()),
    ("services", ()),
    ("watchpoints", ()),
    ("address", ()),
)

_BY_NAME = {c.name: c for c in COMMANDS}
_ALIASES = {a: c.name for c in COMMANDS for a in c.aliases}


def _resolve(word: str, names: list[str], aliases: dict[str, str], kind: str) -> str:
    if word in names:
        return word
    if word in aliases:
        return aliases[word]
    matches = sorted(n for n in names if n.startswith(word))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise CommandError(f'Undefined {kind}command: "{word}".  Try "help{" info" if kind else ""}".')
    raise CommandError(f'Ambiguous {kind}command "{word}": {", ".join(matches)}.')


def resolve_command(word: str) -> CommandSpec:
    """The command a typed word names, by gdb's rules; CommandError with gdb's wording otherwise."""
    return _BY_NAME[_resolve(word, list(_BY_NAME), _ALIASES, "")]


def resolve_info(word: str) -> str:
    """The `info` subcommand a word names (`b` → breakpoints, `r` → registers)."""
    names = [n for n, _ in INFO_SUBCOMMANDS]
    aliases = {a: n for n, al in INFO_SUBCOMMANDS for a in al}
    return _resolve(word, names, aliases, "info ")


_SPLIT = re.compile(r"^\s*(?P<word>[A-Za-z_][A-Za-z0-9_-]*|!)(?P<slash>/\S*)?(?P<rest>.*)$", re.S)


@dataclass(frozen=True)
class ParsedLine:
    command: CommandSpec
    fmt: str          # the `/FMT` suffix of x, print, display (without the slash), or ""
    args: str         # the rest of the line, stripped


def parse_line(line: str) -> ParsedLine | None:
    """Split a command line into its command, `/FMT` suffix and argument text.

    Returns None for a blank line or a comment (the caller repeats the last command for a
    blank line, as gdb does for stepping commands at a terminal).
    """
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    m = _SPLIT.match(text)
    if not m:
        raise CommandError(f'Undefined command: "{text.split()[0]}".  Try "help".')
    spec = resolve_command(m.group("word"))
    slash = m.group("slash") or ""
    return ParsedLine(spec, slash[1:], m.group("rest").strip())
