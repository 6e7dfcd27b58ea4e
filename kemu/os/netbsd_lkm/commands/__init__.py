"""The NetBSD 1.6 user commands kemu provides: modload, modunload, modstat and the /dev file tools.

Each is `run(system, argv, out, err) -> exit status` with argv *without* the command name, and
prints exactly what the real program prints (messages from NetBSD's sbin/modload, sbin/modstat,
sbin/modunload; see /work/shared/specs/loaders.md §2).

`COMMANDS` names each command's module; the module is imported when the command first runs
(a `kemu shell` that only loads a module does not import modstat or modunload).
"""
from __future__ import annotations

import importlib
from typing import Callable, Iterator, Mapping

#: command -> (module of this package, its function or table entry)
WHERE = {
    "modload": ("modload", "run"),
    "modunload": ("modunload", "run"),
    "modstat": ("modstat", "run"),
    **{tool: ("fileutils", tool) for tool in ("mknod", "rm", "chmod", "ls")},
}


class _Commands(Mapping[str, Callable[..., int]]):
    """name -> run function, each imported from its module on first use."""

    def __getitem__(self, name: str) -> Callable[..., int]:
        module_name, attr = WHERE[name]
        module = importlib.import_module(f".{module_name}", __name__)
        return module.COMMANDS[attr] if module_name == "fileutils" else getattr(module, attr)

    def __iter__(self) -> Iterator[str]:
        return iter(WHERE)

    def __len__(self) -> int:
        return len(WHERE)


COMMANDS: Mapping[str, Callable[..., int]] = _Commands()
