"""depmod and modprobe over a module directory (kmod's tools/depmod.c, modprobe.c).

The directory is the one the user points at (the console's working directory stands for
/lib/modules/$(uname -r)); kemu reads the .ko files there and keeps the modules.dep it
computes in the emulated system (`cat /lib/modules/RELEASE/modules.dep`), writing nothing
to the host. A module's dependencies are the modules exporting the symbols it leaves
undefined (its `__ksymtab_NAME` markers say what it exports); each line lists the whole
closure, the deepest last, so modprobe loads them from right to left."""
from __future__ import annotations

import os

from kemu.elf import BadObject, ObjectFile, read_object_file

from .insmod import module_name_of


class DepmodError(Exception):
    """A module file depmod could not read; the message names it."""


def scan(directory: str) -> dict[str, tuple[set[str], set[str]]]:
    """file name -> (exported symbols, undefined symbols) of every .ko in `directory`."""
    found = {}
    for entry in sorted(os.listdir(directory)):
        if not entry.endswith(".ko"):
            continue
        path = os.path.join(directory, entry)
        try:
            obj = ObjectFile.parse(read_object_file(path), entry)
        except (OSError, BadObject) as exc:
            raise DepmodError(f"depmod: ERROR: failed to load module {entry}: {exc}") from None
        exports = {s.name[len("__ksymtab_"):] for s in obj.symbols
                   if s.name.startswith("__ksymtab_") and not s.undefined}
        undefined = {s.name for s in obj.symbols if s.undefined and s.name and not s.weak}
        found[entry] = (exports, undefined)
    return found


def modules_dep(directory: str) -> str:
    """The text of modules.dep for `directory`."""
    table = scan(directory)
    provider = {}
    for name, (exports, _) in table.items():
        for sym in exports:
            provider.setdefault(sym, name)
    direct = {name: sorted({provider[s] for s in undefined if s in provider and provider[s] != name})
              for name, (_, undefined) in table.items()}

    def closure(name: str) -> list[str]:
        order: list[str] = []
        seen: set[str] = {name}

        def visit(n: str) -> None:
            for d in direct[n]:
                if d not in seen:
                    seen.add(d)
                    visit(d)
                    order.append(d)
        visit(name)
        return list(reversed(order))

    return "".join(f"{name}:{''.join(' ' + d for d in closure(name))}\n" for name in table)


def parse_dep(text: str) -> dict[str, list[str]]:
    """modules.dep -> module name -> [its file, then its dependencies' files]."""
    out = {}
    for line in text.splitlines():
        if ":" not in line:
            continue
        path, deps = line.split(":", 1)
        out[module_name_of(path)] = [path] + deps.split()
    return out
