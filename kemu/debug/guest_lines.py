"""Which debugger input lines belong to the guest shell, and which guest commands exist.

At the `(kemu)` prompt a user types both gdb's commands and the guest console's
(`od -N 8 /dev/fibo0`, `echo 7 > /dev/echodev0`). A few words are both (`echo`, `help`,
`exit`), so the rule is written down once here and printed by `help`:

* `!LINE` or `shell LINE` always runs LINE in the guest shell;
* a line whose first word is a guest command that is no debugger command runs in the guest;
* a line whose first word is both (`echo`) runs in the guest when it has shell syntax outside
  quotes (a redirection `>`, `>>`, `<`, a pipe `|`, `&&`, `||`, `;`), and is the debugger's
  otherwise (`echo done\\n` prints, as gdb's `echo` does);
* a line whose first word is no command at all but which has shell syntax (`./fibotest | head`)
  goes to the guest shell, which says what it cannot run;
* everything else is a debugger command (`print a > b` stays an expression).

The guest's command names come from its shell: the set is whatever that shell runs, so `help`
never lists a command that does not exist.
"""
from __future__ import annotations

import sys
import textwrap
from typing import Iterable

from kemu.debug.commands import COMMANDS

_DEBUGGER_WORDS = frozenset(w for c in COMMANDS for w in (c.name, *c.aliases))


def routing_rule(guest_words: Iterable[str]) -> str:
    """The rule above as `help` prints it, naming the words that are both (`echo`)."""
    both = sorted(set(guest_words) & _DEBUGGER_WORDS)
    text = ("A line runs in the guest shell when it starts with `!` or `shell`, when its first word "
            "is a guest command that is no debugger command, or when it has shell syntax "
            "(> >> < | && || ;) and its first word is a guest command or no command at all")
    if both:
        text += f" (so `{both[0]} ... > /dev/x` is the guest's, `{both[0]} ...` alone the debugger's"
        text += f"; words that are both: {', '.join(both)})" if len(both) > 1 else ")"
    return textwrap.fill(text + ".", 80)


def guest_command_names(shell) -> frozenset[str]:
    """The command names the guest shell `shell` runs (empty when it says nothing about them).

    Asks `shell.command_names()` when the shell offers it; otherwise reads the shell's own
    builtin table and the system commands its module declares (`SYSTEM_COMMANDS`)."""
    if shell is None:
        return frozenset()
    names = getattr(shell, "command_names", None)
    if callable(names):
        return frozenset(names())
    found: set[str] = set(getattr(shell, "builtins", None) or ())
    module = sys.modules.get(type(shell).__module__)
    found.update(getattr(module, "SYSTEM_COMMANDS", ()) or ())
    return frozenset(found)


def has_shell_syntax(line: str) -> bool:
    """True when `line` has a redirection, a pipe, `&&`, `||` or `;` outside quotes."""
    quote = ""
    escaped = False
    for i, ch in enumerate(line):
        if escaped:
            escaped = False
        elif ch == "\\" and quote != "'":
            escaped = True
        elif quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "<>|;" or line.startswith("&&", i):
            return True
    return False


def is_debugger_word(word: str) -> bool:
    """True when `word` is exactly a debugger command's name or alias (not just a prefix)."""
    return word in _DEBUGGER_WORDS


def goes_to_guest(line: str, guest_words: Iterable[str]) -> bool:
    """Whether a line (not starting with `!`) is the guest shell's by the rule above, when its
    first word is a guest command; for a first word that is nothing known, the caller asks
    `has_shell_syntax` after the debugger has failed to parse it."""
    words = line.split(None, 1)
    if not words:
        return False
    first = words[0]
    if first not in set(guest_words):
        return False
    return not is_debugger_word(first) or has_shell_syntax(line)
