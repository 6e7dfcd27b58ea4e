"""Modules asking for other modules (kernel/module/kmod.c, kernel/module/main.c in Linux 6.1).

* __request_module(wait, fmt, ...) formats the module name (MODULE_NAME_LEN, 64 -
  sizeof(unsigned long), or longer is -ENAMETOOLONG) and runs `modprobe -q -- NAME` as a
  usermode helper. With `wait` it returns what the helper's wait gave: the exit status in the
  high byte (0 when modprobe loaded the module or it was there already, 256 for modprobe's
  exit 1: not found, or its insert failed); without `wait` only that the helper started (0).
  kemu's modprobe is the console's: it knows a module tree once depmod ran over one
  (`system.modules_dep`); then the name is looked up as a module name, else as an alias of
  the tree's modules (their modinfo `alias=` patterns, fnmatch'd as modules.alias is), and the
  module is loaded with its dependencies right to left. A kernel without a module tree (a
  corpus trial) is a system whose /lib/modules has nothing: modprobe exits 1.
* __symbol_get(name): the address of an exported symbol (the kernel's or a live module's),
  taking a reference on the exporting module, or NULL (unknown, or its module not live);
  __symbol_put(name) drops that reference.
"""
from __future__ import annotations

import fnmatch
import functools
import os

from kemu.kernel import ServiceTable
from kemu.kernel.symbols import KERNEL

table = ServiceTable("kmod")

MODPROBE_NOT_FOUND = 1 << 8      # exit status 1, as the usermode helper's wait reports it


def _aliases(system) -> list[tuple[str, str]]:
    """(alias pattern, module name) for every module of the tree depmod indexed."""
    return aliases_of(system.module_dir, system.modules_dep or "")


@functools.lru_cache(maxsize=4)
def aliases_of(module_dir: str, modules_dep: str) -> list[tuple[str, str]]:
    """The aliases of a tree's modules (their modinfo `alias=` patterns), read once per
    process for a tree: every kernel booted over the same tree shares them."""
    from kemu.elf import ObjectFile, read_object_file

    from ..depmod import parse_dep
    from ..modinfo import read_modinfo
    out = []
    for name, (path, *_deps) in parse_dep(modules_dep).items():
        try:
            info = read_modinfo(ObjectFile.parse(read_object_file(os.path.join(module_dir, path)), path))
        except Exception:                   # not a readable module: modinfo would say so; no aliases
            continue
        out.extend((alias.replace("-", "_"), name) for alias in info.all("alias"))
    return out


def resolve(system, wanted: str) -> list[str] | None:
    """The modules.dep chain (module first, deepest dependency last) for a name or alias."""
    from ..depmod import parse_dep
    deps = parse_dep(system.modules_dep or "")
    key = wanted.replace("-", "_")
    if key in deps:
        return deps[key]
    for pattern, name in _aliases(system):
        if fnmatch.fnmatchcase(key, pattern):
            return deps.get(name)
    return None


def modprobe(system, wanted: str) -> int:
    """`modprobe -q -- wanted`: its exit code (0 loaded or already there, 1 otherwise)."""
    from ..insmod import InsmodError, module_name_of
    if not system.modules_dep:
        return 1
    chain = resolve(system, wanted)
    if chain is None:
        return 1
    for path in reversed(chain):
        name = module_name_of(path)
        if system.find_module(name) is not None:
            continue
        try:
            system.insmod(os.path.join(system.module_dir, path), display=path,
                          lenient=getattr(system, "modprobe_lenient", False))
        except InsmodError:
            return 1
    return 0


@table.service("int __request_module(bool wait, const char *fmt, ...)")
def __request_module(k, wait: int, fmt: int, args) -> int:
    """Run modprobe for the formatted name: 0 when it loaded (or there was nothing to do
    without waiting), modprobe's exit status << 8 otherwise, -ENAMETOOLONG for a name that
    does not fit MODULE_NAME_LEN."""
    name = k.linux.format(fmt, args)
    if len(name) >= 64 - k.machine.word_size:          # MODULE_NAME_LEN
        return -k.errno.ENAMETOOLONG
    status = modprobe(k.linux, name.decode("utf-8", "replace"))
    return status << 8 if wait else 0


def _exported(k, name: str):
    from .. import symvers
    sym = k.symbols.get(name)
    if sym is None:
        return None
    if sym.owner == KERNEL and name not in _vmlinux_exports(k, symvers):
        return None                      # a kemu-internal name, not an export
    return sym


def _vmlinux_exports(k, symvers) -> set[str]:
    linux = k.linux
    if not hasattr(linux, "vmlinux_export_names"):
        linux.vmlinux_export_names = set(symvers.vmlinux_exports(linux.release))
    return linux.vmlinux_export_names


@table.service("void *__symbol_get(const char *symbol)")
def __symbol_get(k, symbol: int) -> int:
    """The exported symbol's address with a reference on its module, or NULL."""
    sym = _exported(k, k.read_str(symbol, 256).decode("utf-8", "replace"))
    if sym is None:
        return 0
    if sym.owner != KERNEL:
        owner = k.linux.find_module(sym.owner)
        if owner is None or owner.state.value != "live":
            return 0
        owner.os["refcnt"] = owner.os.get("refcnt", 0) + 1
    return sym.addr


@table.service("void __symbol_put(const char *symbol)")
def __symbol_put(k, symbol: int) -> None:
    """Drop the reference __symbol_get took on the symbol's module (a symbol nobody exports
    is 6.1's BUG)."""
    text = k.read_str(symbol, 256).decode("utf-8", "replace")
    sym = _exported(k, text)
    if sym is None:
        k.linux.pr(f"kernel BUG: __symbol_put: no exported symbol {text}", 0)
        return
    if sym.owner != KERNEL:
        owner = k.linux.find_module(sym.owner)
        if owner is not None and owner.os.get("refcnt", 0) > 0:
            owner.os["refcnt"] -= 1
