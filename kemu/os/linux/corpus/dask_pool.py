"""Running corpus tasks on a Dask distributed cluster (`kemu corpus --dask ADDRESS`).

The same per-module task as the local pool (trial.run_module) is submitted once per module
to the scheduler at ADDRESS; each Dask worker boots its own kernels, and the records stream
back as they complete into the same progress, table and JSON. Dask is imported only here,
only when asked for. The workers need kemu importable and the corpus tree at the same path
(a shared or identically unpacked directory).

Isolation on a cluster is Dask's: each task is one module, a task whose worker dies is
retried by the scheduler elsewhere up to its `allowed-failures`, then reported here as a
lost worker; a module that loops is stopped by kemu's own per-call time limit."""
from __future__ import annotations

from dataclasses import asdict
from typing import Iterable, Iterator

from .trial import Task, lost_record, run_module


class DaskUnavailable(Exception):
    """dask.distributed is not installed, or the scheduler cannot be reached."""


def run_dask(tasks: Iterable[Task], address, *, timeout: float = 60.0) -> Iterator[dict]:
    """Submit every task to the cluster at `address` (a scheduler address, or a Client /
    LocalCluster object); yield each record as it completes."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise DaskUnavailable("kemu corpus --dask needs dask.distributed: "
                              "python3 -m pip install 'dask[distributed]'") from None
    own = not isinstance(address, Client)
    try:
        client = Client(address, timeout=timeout) if own else address
    except OSError as exc:
        raise DaskUnavailable(f"kemu corpus: cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        items = [asdict(t) for t in tasks]
        futures = {client.submit(run_module, item, pure=False, key=f"kemu-corpus-{i}-{item['path']}"): item
                   for i, item in enumerate(items)}
        for future in as_completed(futures):
            item = futures[future]
            try:
                yield future.result()
            except Exception as exc:      # the worker died (KilledWorker) or the task raised
                yield lost_record(item, f"worker lost: {type(exc).__name__}: {exc}")
    finally:
        if own:
            client.close()
