"""Generic kernel services, grouped by subsystem, one Python function per kernel function.

Each module defines one `ServiceTable`; a personality installs the tables (or subsets) its OS
has: `k.install(string.table)`, `k.install(copy.table)`. Services whose behaviour differs per
OS (printf's sink, malloc's signature, uiomove's struct layout) are not here: the building
blocks for them live in `kemu.kernel.printf`, `.heap` and `.uio`, and the personality wraps them.
"""
from . import copy, string

GENERIC_TABLES = (string.table, copy.table)

__all__ = ["copy", "string", "GENERIC_TABLES"]
