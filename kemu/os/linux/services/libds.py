"""The kernel library's data structures and helpers (lib/, the libds task): one place that
installs their service tables, so system.py needs a single line for all of them."""
from __future__ import annotations

from . import ida, xarray

TABLES = (xarray.table, ida.table)


def install(k) -> None:
    """Install every libds table on kernel `k`."""
    for t in TABLES:
        k.install(t)
