"""`kemu corpus`: every module of a real Linux module tree (Debian's) through the Linux
personality, one fresh kernel per module, measured and classified.

    plan.py      the tree, indexed by depmod.py, as one Task per module (dependencies first)
    trial.py     one Task in a fresh kernel: modprobe, init, rmmod, the facts, the record
    outcome.py   the classifier: facts -> outcome class, detail, blocking services
    pool.py      local worker processes (a hang or crash costs one module)
    dask_pool.py the same tasks on a Dask distributed cluster
    report.py    the outcome table, the ranking of blocking services, the JSON file
"""
from __future__ import annotations

from .outcome import OUTCOMES, Trial, classify
from .plan import CorpusError, plan
from .trial import Task, run_module

__all__ = ["OUTCOMES", "Trial", "classify", "CorpusError", "plan", "Task", "run_module"]
