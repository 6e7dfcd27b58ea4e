"""`np.unique` for the linker's 1-D integer arrays, without its import cost.

numpy's `unique` imports `numpy.ma` the first time it runs (~50 ms, once per process),
which lands on the first module load after `import kemu` — the moment the project's
"fibo loaded and initialised within 50 ms" target measures. Sorting and keeping each
element that differs from its predecessor gives the same sorted distinct values.
"""
from __future__ import annotations

import numpy as np


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct elements of a 1-D array, ascending, in its dtype (as `np.unique`)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
