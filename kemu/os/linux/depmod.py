"""depmod and modprobe over a module tree (kmod's tools/depmod.c, modprobe.c).

The directory is the one the user points at (the console's working directory, or a real
/lib/modules/RELEASE tree such as Debian's); kemu reads every .ko below it and keeps the
modules.dep it computes in the emulated system (`cat /lib/modules/RELEASE/modules.dep`),
writing nothing to the host unless asked (`write_modules_dep`).

The text is the one kmod's depmod writes, line for line:

* modules are listed in modules.order's order when the tree has one (those it does not
  name follow, by path), each by its path relative to the tree;
* a module's exports are the names in its `__ksymtab_strings` (or, without that section,
  its `__ksymtab_NAME` markers); when two modules export a name, the later one in that
  order provides it;
* its direct dependencies are the providers of its undefined symbols (weak ones too), in
  the order of its symbol table;
* a topological sort numbers the modules, those nobody uses first (a stack of roots, as
  depmod keeps it); each line lists the module's whole dependency closure in that
  numbering, so the deepest dependency comes last and modprobe loads right to left;
* modules in a dependency cycle are left out, and so are they from other modules' lines;
* a file that is not a readable module keeps its line, with no dependencies, and depmod
  says so (`warn`), as kmod's does, instead of giving up on the tree.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from kemu.elf import BadObject, ObjectFile, read_object_file

from .insmod import module_name_of

MODULE_SUFFIXES = (".ko", ".ko.xz", ".ko.zst", ".ko.gz")
SKIPPED_DIRS = ("build", "source")          # kernel source/build links in /lib/modules/REL


class DepmodError(Exception):
    """A module file depmod could not read; the message names it."""


@dataclass
class DepModule:
    """One module of the tree as depmod sees it."""
    path: str                                 # relative to the tree, with '/'
    exports: list[str]
    undefined: list[str]                      # symbol-table order, weak ones included
    deps: list["DepModule"] = field(default_factory=list)
    users: int = 0
    sort_index: int = 0                       # the topological numbering
    in_loop: bool = False


def find_modules(directory: str) -> list[str]:
    """Paths (relative, '/'-separated) of every module file below `directory`, sorted;
    `build` and `source` entries are skipped as depmod skips them."""
    found = []
    for here, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        rel = os.path.relpath(here, directory)
        for entry in files:
            if entry.endswith(MODULE_SUFFIXES) and entry not in SKIPPED_DIRS:
                found.append(entry if rel == "." else f"{rel.replace(os.sep, '/')}/{entry}")
    return sorted(found)


def read_symbols(path: str, shown: str) -> tuple[list[str], list[str]]:
    """(exports, undefined symbols) of one module file, as kmod reads them."""
    try:
        obj = ObjectFile.parse(read_object_file(path), shown)
    except (OSError, BadObject) as exc:
        raise DepmodError(f"depmod: ERROR: failed to load module {shown}: {exc}") from None
    strings = obj.section_by_name("__ksymtab_strings")
    if strings is not None:
        exports = [s.decode("latin-1") for s in obj.section_data(strings).split(b"\0") if s]
    else:
        exports = [s.name[len("__ksymtab_"):] for s in obj.symbols
                   if s.name.startswith("__ksymtab_") and not s.undefined]
    undefined = [s.name for s in obj.symbols if s.undefined and s.name]
    return exports, undefined


def _order(directory: str, paths: list[str]) -> list[str]:
    """`paths` in modules.order's order; paths it does not list follow, sorted."""
    try:
        with open(os.path.join(directory, "modules.order"), encoding="utf-8", errors="replace") as f:
            listed = [line.strip() for line in f if line.strip()]
    except OSError:
        return paths
    rank = {}
    for i, line in enumerate(listed):
        rank.setdefault(line, i)
    return sorted(paths, key=lambda p: (0, rank[p]) if p in rank else (1, p))


def analyse(directory: str, warn: Callable[[str], None] | None = None) -> list[DepModule]:
    """Every module below `directory` with its direct dependencies and topological number;
    `warn` gets depmod's line for each file it could not read."""
    modules = []
    for rel in _order(directory, find_modules(directory)):
        try:
            exports, undefined = read_symbols(os.path.join(directory, rel), rel)
        except DepmodError as exc:
            if warn is not None:
                warn(str(exc))
            exports, undefined = [], []
        modules.append(DepModule(rel, exports, undefined))
    provider: dict[str, DepModule] = {}
    for mod in modules:                       # a later exporter replaces an earlier one
        for name in mod.exports:
            provider[name] = mod
    for mod in modules:
        for name in mod.undefined:
            owner = provider.get(name)
            if owner is not None and owner is not mod and owner not in mod.deps:
                mod.deps.append(owner)
                owner.users += 1
    _number(modules)
    for mod in modules:
        mod.deps.sort(key=_dep_key)
    return modules


def _number(modules: list[DepModule]) -> None:
    """Topological numbering, modules without users first; what is left is in a loop."""
    index = {id(m): i for i, m in enumerate(modules)}
    users = [m.users for m in modules]
    roots = [i for i, n in enumerate(users) if n == 0]
    numbered = 0
    while roots:
        src = modules[roots.pop()]
        src.sort_index = numbered
        numbered += 1
        for dst in src.deps:
            j = index[id(dst)]
            users[j] -= 1
            if users[j] == 0:
                roots.append(j)
    for i, left in enumerate(users):
        if left:
            modules[i].in_loop = True
            modules[i].sort_index = 2**31 - 1


def _dep_key(mod: DepModule) -> tuple[int, int]:
    return (1 if mod.in_loop else 0, mod.sort_index)


def closure(mod: DepModule) -> list[DepModule]:
    """All of `mod`'s dependencies, each once, in the topological numbering."""
    seen: list[DepModule] = []
    ids: set[int] = set()

    def fill(m: DepModule) -> None:
        for d in m.deps:
            if id(d) not in ids:
                ids.add(id(d))
                seen.append(d)
                fill(d)
    fill(mod)
    return sorted(seen, key=_dep_key)


def modules_dep(directory: str, warn: Callable[[str], None] | None = None) -> str:
    """The text of modules.dep for the tree at `directory` (see `analyse` for `warn`)."""
    lines = []
    for mod in analyse(directory, warn):
        if mod.in_loop:
            continue
        deps = "".join(" " + d.path for d in closure(mod) if not d.in_loop)
        lines.append(f"{mod.path}:{deps}\n")
    return "".join(lines)


def write_modules_dep(directory: str, text: str | None = None) -> str:
    """Write modules.dep into the tree (as depmod does on a real system); returns its path."""
    target = os.path.join(directory, "modules.dep")
    with open(target, "w", encoding="utf-8") as f:
        f.write(modules_dep(directory) if text is None else text)
    return target


def parse_dep(text: str) -> dict[str, list[str]]:
    """modules.dep -> module name -> [its file, then its dependencies' files]."""
    out = {}
    for line in text.splitlines():
        if ":" not in line:
            continue
        path, deps = line.split(":", 1)
        out[module_name_of(path)] = [path] + deps.split()
    return out
