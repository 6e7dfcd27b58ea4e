"""The console's line syntax, as sh has it: words, pipelines, `&&`, `||`, `;`, `!`, redirections.

A line is split into words with POSIX quoting and backslashes; `#` starts a comment; operators
(`|`, `&&`, `||`, `;`, `<`, `>>`, `<&` …) are tokens of their own (`Op`, so that a quoted `"|"`
stays a word), and a number written right against `<`/`>` (`3<`) becomes an IO number.
`parse_line` builds the tree sh executes:

    line     := and_or (";" and_or)*          (a trailing ";" is allowed)
    and_or   := pipeline (("&&" | "||") pipeline)*
    pipeline := ["!"] command ("|" command)*
    command  := its words and redirections, as written

`parse_redirections` then takes one command's words apart into its arguments and its
`Redirections`; `expand_words` expands patterns such as `/dev/fibo*` against the system's /dev.
Background jobs (`&`) and compound commands (`if`, `while`, `( )`) are not part of kemu's
console: they are reported as syntax errors rather than misread.
"""
from __future__ import annotations

import shlex
from typing import Iterable

from kemu.record import Record

IO_NUMBER = "\0fd:"          # marks "3" in `3<`; cannot appear in a typed word
_OPERATORS = ("&&", "||", "<<", ">>", "<&", ">&", "<>", ">|", ";", "<", ">", "&", "|")
REDIRECTIONS = frozenset({">", ">>", "<", "<>", "<&", ">&", ">|", "<<"})


class Op(str):
    """An operator token, as opposed to a word that happens to spell one (`echo '|'`)."""


class ShellSyntaxError(ValueError):
    """A line sh would refuse: the message is what follows `syntax error: `."""


class Redirections(Record, fields=("stdout", "stdin_path", "stdin_fd", "fd_ops")):
    def __init__(self, stdout: tuple[str, str] | None = None, stdin_path: str | None = None,
                 stdin_fd: int | None = None,
                 fd_ops: list[tuple[int, str, str | None]] | None = None) -> None:
        self.stdout = stdout                            # (path, "w" | "a")
        self.stdin_path = stdin_path
        self.stdin_fd = stdin_fd
        self.fd_ops = [] if fd_ops is None else fd_ops  # (n, op, path)


class Command(Record, fields=("tokens",)):
    """One simple command: its tokens as written (words, IO numbers, redirection operators)."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens


class Pipeline(Record, fields=("commands", "negated")):
    def __init__(self, commands: list[Command], negated: bool = False) -> None:
        self.commands = commands
        self.negated = negated      # `! cmd`: the status is inverted

    @property
    def text(self) -> str:
        return ("! " if self.negated else "") + " | ".join(_show(c.tokens) for c in self.commands)


class AndOr(Record, fields=("first", "rest")):
    """`first && second || third`: `rest` holds ("&&" | "||", pipeline) pairs."""

    def __init__(self, first: Pipeline, rest: list[tuple[str, Pipeline]] | None = None) -> None:
        self.first = first
        self.rest = [] if rest is None else rest

    @property
    def text(self) -> str:
        return " ".join([self.first.text] + [f"{op} {p.text}" for op, p in self.rest])


def _show(tokens: list[str]) -> str:
    """A command as sh would echo it: words quoted where needed, `3<` kept together."""
    parts: list[str] = []
    glue = False
    for t in tokens:
        if t.startswith(IO_NUMBER):
            parts.append(t[len(IO_NUMBER):])
            glue = True
            continue
        shown = str(t) if isinstance(t, Op) else shlex.quote(t)
        if glue:
            parts[-1] += shown
        else:
            parts.append(shown)
        glue = isinstance(t, Op) and t in ("<&", ">&")    # `<&3`, `2>&1` are written as one
    return " ".join(parts)


def tokenize(line: str) -> list[str]:
    """POSIX-ish word splitting with quotes, backslashes, comments and operators (as `Op`).
    ShellSyntaxError for an unterminated quote."""
    tokens: list[str] = []
    word: list[str] | None = None
    i, n = 0, len(line)

    def finish() -> None:
        nonlocal word
        if word is not None:
            tokens.append("".join(word))
            word = None

    while i < n:
        c = line[i]
        if c in " \t\r\n":
            finish()
            i += 1
        elif c == "#" and word is None:
            break
        elif c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("unterminated ' quote")
            word = (word or []) + [line[i + 1:end]]
            i = end + 1
        elif c == '"':
            j, chunk = i + 1, []
            while j < n and line[j] != '"':
                if line[j] == "\\" and j + 1 < n and line[j + 1] in '"\\$`':
                    j += 1
                chunk.append(line[j])
                j += 1
            if j >= n:
                raise ShellSyntaxError('unterminated " quote')
            word = (word or []) + ["".join(chunk)]
            i = j + 1
        elif c == "\\":
            if i + 1 < n and line[i + 1] != "\n":
                word = (word or []) + [line[i + 1]]
            i += 2
        elif c in ";<>&|":
            op = next(o for o in _OPERATORS if line.startswith(o, i))
            if word is not None and c in "<>" and "".join(word).isdigit() and line[i - 1].isdigit():
                tokens.append(IO_NUMBER + "".join(word))
                word = None
            finish()
            tokens.append(Op(op))
            i += len(op)
        else:
            word = (word or []) + [c]
            i += 1
    finish()
    return tokens


def parse_line(line: str) -> list[AndOr]:
    """The and-or lists of a line, in order (none for a blank or comment line)."""
    tokens = tokenize(line)
    lists: list[AndOr] = []
    i = 0

    def command_at(start: int) -> tuple[Command, int]:
        j = start
        while j < len(tokens) and not (isinstance(tokens[j], Op) and tokens[j] in ("|", "&&", "||", ";", "&")):
            j += 1
        if j == start:
            near = tokens[j] if j < len(tokens) else "newline"
            raise ShellSyntaxError(f"`{near}' unexpected")
        return Command(tokens[start:j]), j

    def pipeline_at(start: int) -> tuple[Pipeline, int]:
        negated = False
        j = start
        while j < len(tokens) and tokens[j] == "!" and not isinstance(tokens[j], Op):
            negated, j = not negated, j + 1
        command, j = command_at(j)
        commands = [command]
        while j < len(tokens) and tokens[j] == "|" and isinstance(tokens[j], Op):
            command, j = command_at(j + 1)
            commands.append(command)
        return Pipeline(commands, negated), j

    while i < len(tokens):
        if isinstance(tokens[i], Op) and tokens[i] == ";":
            if not lists:
                raise ShellSyntaxError("`;' unexpected")
            i += 1
            continue
        first, i = pipeline_at(i)
        and_or = AndOr(first)
        while i < len(tokens) and isinstance(tokens[i], Op) and tokens[i] in ("&&", "||"):
            op = str(tokens[i])
            following, i = pipeline_at(i + 1)
            and_or.rest.append((op, following))
        lists.append(and_or)
        if i < len(tokens):
            t = tokens[i]
            if t == "&":
                raise ShellSyntaxError("`&': kemu's console runs no background jobs")
            if t != ";":
                raise ShellSyntaxError(f"`{t}' unexpected")
            if i + 1 < len(tokens) and tokens[i + 1] == ";" and isinstance(tokens[i + 1], Op):
                raise ShellSyntaxError("`;;' unexpected")
    return lists


def parse_redirections(words: list[str]) -> tuple[list[str], Redirections]:
    """Separate `>`, `>>`, `<`, `<&N`, `N<`, `N<&-` … from the command's words; ShellSyntaxError
    for a redirection without its file or one the console does not support."""
    redir = Redirections()
    args: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        number = None
        if w.startswith(IO_NUMBER) and i + 1 < len(words):
            number, i = int(w[len(IO_NUMBER):]), i + 1
            w = words[i]
        if isinstance(w, Op) and w in REDIRECTIONS:
            op = str(w)
            if op == "<<":
                raise ShellSyntaxError("here-documents (<<) are not supported")
            if op == ">|":
                op = ">"
            target = words[i + 1] if i + 1 < len(words) else None
            if target is not None and isinstance(target, Op):
                raise ShellSyntaxError(f"`{target}' unexpected after `{op}'")
            i += 1
            if op in ("<&", ">&") and target is not None and target.startswith("-"):
                op, target = op + "-", target[1:] or None
            if target is None and not op.endswith("-"):
                raise ShellSyntaxError(f"missing file after `{op}'")
            if number is not None:
                redir.fd_ops.append((number, op, target))
            elif op in (">", ">>"):
                redir.stdout = (target, "a" if op == ">>" else "w")
            elif op == "<":
                redir.stdin_path = target
            elif op == "<&":
                if not target.isdigit():
                    raise ShellSyntaxError(f"`<&{target}': not a descriptor number")
                redir.stdin_fd = int(target)
            elif op == ">&" and target in ("2", "1"):
                redir.fd_ops.append((1, op, target))
            else:
                raise ShellSyntaxError(f"unsupported redirection `{op}'")
            i += 1
            continue
        if w.startswith(IO_NUMBER):
            w = w[len(IO_NUMBER):]
        args.append(str(w))
        i += 1
    return args, redir


def expand_words(system, words: Iterable[str]) -> list[str]:
    """sh pathname expansion against the system's /dev: a pattern with matches becomes them,
    sorted; one without matches stays as written."""
    out: list[str] = []
    for word in words:
        if any(c in word for c in "*?[") and word.startswith("/dev/"):
            matches = system.kernel.devfs.glob(word)
            if matches:
                out.extend(matches)
                continue
        out.append(word)
    return out
