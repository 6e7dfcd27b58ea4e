"""The console's line syntax: words, `;`, redirections and /dev patterns.

A small sh: words are split with POSIX quoting and backslashes, `#` starts a comment, `;`
separates commands, operators (`<`, `>>`, `<&` …) become words of their own, and a number
written right against `<`/`>` (`3<`) becomes an IO number. `parse_redirections` then takes a
command's words apart into its arguments and its `Redirections`; `expand_words` expands
patterns such as `/dev/fibo*` against kemu's /dev.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

IO_NUMBER = "\0fd:"          # marks "3" in `3<`; cannot appear in a typed word
_OPERATORS = ("<<", ">>", "<&", ">&", "<>", ">|", ";", "<", ">", "&", "|")


@dataclass
class Redirections:
    stdout: tuple[str, str] | None = None      # (path, "w" | "a")
    stdin_path: str | None = None
    stdin_fd: int | None = None
    fd_ops: list[tuple[int, str, str | None]] = field(default_factory=list)   # exec: (n, op, path)


def split_commands(line: str) -> list[list[str]]:
    """Commands of a line as word lists (empty commands dropped); ValueError for an
    unterminated quote."""
    return [c for c in tokenize(line) if c]


def tokenize(line: str) -> list[list[str]]:
    """POSIX-ish word splitting with quotes, backslashes, comments and operators."""
    commands: list[list[str]] = [[]]
    word: list[str] | None = None
    i, n = 0, len(line)

    def finish() -> None:
        nonlocal word
        if word is not None:
            commands[-1].append("".join(word))
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
                raise ValueError("unterminated ' quote")
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
                raise ValueError('unterminated " quote')
            word = (word or []) + ["".join(chunk)]
            i = j + 1
        elif c == "\\":
            if i + 1 < n:
                word = (word or []) + [line[i + 1]]
            i += 2
        elif c in ";<>&|":
            op = next(o for o in _OPERATORS if line.startswith(o, i))
            if word is not None and c in "<>" and "".join(word).isdigit() and line[i - 1].isdigit():
                commands[-1].append(IO_NUMBER + "".join(word))
                word = None
            finish()
            if op == ";":
                commands.append([])
            else:
                commands[-1].append(op)
            i += len(op)
        else:
            word = (word or []) + [c]
            i += 1
    finish()
    return commands


def parse_redirections(words: list[str]) -> tuple[list[str], Redirections]:
    """Separate `>`, `>>`, `<`, `<&N`, `N<`, `N<&-` … from the command's words; ValueError
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
        if w in (">", ">>", "<", "<>", "<&", ">&", "<&-", ">&-") or w.startswith(("<&", ">&")):
            op = w
            target = None
            if op in ("<&", ">&"):
                target = words[i + 1] if i + 1 < len(words) else None
                i += 1
                if target is not None and target.startswith("-"):
                    op, target = op + "-", target[1:] or None
            elif op not in ("<&-", ">&-"):
                target = words[i + 1] if i + 1 < len(words) else None
                i += 1
            if target is None and not op.endswith("-"):
                raise ValueError(f"missing file after `{op}'")
            if number is not None:
                redir.fd_ops.append((number, op, target))
            elif op in (">", ">>"):
                redir.stdout = (target, "a" if op == ">>" else "w")
            elif op == "<":
                redir.stdin_path = target
            elif op == "<&":
                if not target.isdigit():
                    raise ValueError(f"`<&{target}': not a descriptor number")
                redir.stdin_fd = int(target)
            else:
                raise ValueError(f"unsupported redirection `{op}'")
            i += 1
            continue
        args.append(w)
        i += 1
    return args, redir


def expand_words(system, words: Iterable[str]) -> list[str]:
    """sh pathname expansion against kemu's /dev: a pattern with matches becomes them, sorted;
    one without matches stays as written."""
    out: list[str] = []
    for word in words:
        if any(c in word for c in "*?[") and word.startswith("/dev/"):
            matches = system.kernel.devfs.glob(word)
            if matches:
                out.extend(matches)
                continue
        out.append(word)
    return out
