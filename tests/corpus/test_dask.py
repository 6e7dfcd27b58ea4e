"""`kemu corpus --dask`: the same per-module tasks on a two-worker Dask LocalCluster give the
same records as the local run."""
from __future__ import annotations

import pytest

from kemu.os.linux.corpus import plan, run_module
from kemu.os.linux.corpus.dask_pool import run_dask

distributed = pytest.importorskip("distributed")


def test_two_worker_local_cluster_runs_the_tasks_like_the_local_run(fixture_tree):
    tasks = plan(str(fixture_tree))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = list(run_dask(tasks, client))
        workers = {w for w in client.run(lambda: __import__("os").getpid()).values()}
    assert len(workers) == 2
    local = [run_module(t) for t in tasks]
    strip = lambda r: {k: v for k, v in r.items() if k != "seconds"}     # noqa: E731
    assert sorted(map(strip, remote), key=lambda r: r["path"]) == sorted(map(strip, local), key=lambda r: r["path"])
