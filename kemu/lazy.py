"""Package names imported on first use, so importing one module of a package is cheap.

Every `kemu` command pays for what it imports before it does any work (issue 8, "Startup"), and
importing `kemu.kernel.heap` first runs `kemu/kernel/__init__.py`. A package that re-exported
its public names with `from .x import Y` made every such import load the whole package, with
its dataclasses and tables, whether or not the run used them. With `lazy_exports` a package
declares where each public name lives and the submodule is imported when the name is first
asked for (PEP 562 module `__getattr__`); `from kemu.kernel import Kernel` still works, and
`import kemu.kernel.heap` loads only the heap and what it imports.

    __getattr__, __dir__ = lazy_exports(__name__, {
        ".kernel": ["Kernel"],             # as `from .kernel import Kernel`
        ".errno": ["Errno"],
    })
"""
from __future__ import annotations

import importlib
import sys
from typing import Any, Callable, Iterable, Mapping


def lazy_exports(package: str, modules: Mapping[str, Iterable[str]]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`(__getattr__, __dir__)` for `package`: each name listed under a module of `modules`
    (relative module, ".heap" -> the names it exports) is imported from that module on first
    access and then kept in the package, so later accesses are plain attribute lookups. A
    submodule asked for by attribute (`kemu.kernel.heap` after `import kemu.kernel`) is imported
    too, as an eager `__init__` used to make that work."""
    exports = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        module_name = exports.get(name)
        if module_name is not None:
            value = getattr(importlib.import_module(module_name, package), name)
        elif not name.startswith("__") and _has_submodule(package, name):
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__


def _has_submodule(package: str, name: str) -> bool:
    from importlib.util import find_spec
    try:
        return find_spec(f"{package}.{name}") is not None
    except (ImportError, ValueError):
        return False
