"""Options every `kemu` subcommand spells the same way: the system, the arch, time limits.

One canonical spelling shows in help — `--os SYSTEM` — and `--target`, the name `kemu cc`
used first (as compilers do), is accepted everywhere as a hidden synonym. Every `--arch`
takes `amd64` for `x86_64` (kemu.arch.canonical_arch) and shows its default in help.
`harmonize(parser)` applies the same to subcommands declared elsewhere, so all of them agree.
"""
from __future__ import annotations

import argparse
import math

from kemu.arch import ALIASES, ARCHES, canonical_arch

SYSTEM_OPTION = "--os"
SYSTEM_SYNONYM = "--target"


def _systems() -> str:
    from kemu.os import SYSTEMS          # a table only: importing it boots nothing
    return ", ".join(sorted(SYSTEMS))


def arch_type(text: str) -> str:
    """argparse type for an arch: `amd64` becomes `x86_64`; an unknown one is a usage error."""
    try:
        return canonical_arch(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def seconds(text: str) -> float:
    """argparse type for a time limit: a finite number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a time limit is 0 (none) or a positive number of seconds")
    return value


def add_system_option(parser: argparse.ArgumentParser, default: str | None = "netbsd-lkm",
                      help_text: str | None = None) -> None:
    """`--os SYSTEM` (dest `system`), with `--target` accepted as the same option."""
    shown = help_text or f"system to emulate ({_systems()})"
    if default is not None:
        shown += f"; default: {default}"
    parser.add_argument(SYSTEM_OPTION, dest="system", default=default, metavar="SYSTEM", help=shown)
    parser.add_argument(SYSTEM_SYNONYM, dest="system", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def alias_only(text: str) -> str:
    """argparse type for an arch checked later (with a message of its own): aliases mapped."""
    return ALIASES.get(text, text)


def add_arch_option(parser: argparse.ArgumentParser, default: str | None, help_text: str = "guest CPU",
                    *, validate: bool = True) -> None:
    """`--arch {i386,x86_64}` (amd64 accepted), its default named in help. `validate=False`
    leaves an unknown name to the command, which names it in its own error."""
    shown = f"{help_text}: {', '.join(ARCHES)} (amd64 = x86_64); default: {default or 'none, required'}"
    parser.add_argument("--arch", type=arch_type if validate else alias_only, default=default,
                        metavar="ARCH", help=shown)


def _actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return list(parser._actions)        # argparse offers no public list of a parser's actions


def harmonize(parser: argparse.ArgumentParser) -> None:
    """Make a subcommand declared without these helpers agree with the rest: `--target` and
    `--os` both accepted, `--arch` taking `amd64`, the arch default shown in help, `--timeout`
    refusing negative and infinite limits."""
    by_option = {opt: action for action in _actions(parser) for opt in action.option_strings}
    for have, synonym in ((SYSTEM_OPTION, SYSTEM_SYNONYM), (SYSTEM_SYNONYM, SYSTEM_OPTION)):
        action = by_option.get(have)
        if action is not None and synonym not in by_option:
            parser.add_argument(synonym, dest=action.dest, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
            break
    timeout = by_option.get("--timeout")
    if timeout is not None and timeout.type is float:
        timeout.type = seconds
    arch = by_option.get("--arch")
    if arch is not None and arch.type is None:
        arch.type = arch_type
        if arch.help and "amd64" not in arch.help:
            arch.help += " (amd64 = x86_64)"
        if arch.help is not None and arch.default is not None and "default" not in arch.help:
            arch.help += f"; default: {arch.default}"
