"""`kemu corpus --dask` with no scheduler at the address: a one-line error, status 1."""
from __future__ import annotations

import pytest

from kemu.cli.main import main

pytest.importorskip("distributed")


def test_an_unreachable_scheduler_is_a_clear_error(fixture_tree, capsys, monkeypatch):
    from kemu.os.linux.corpus import dask_pool
    real = dask_pool.run_dask
    monkeypatch.setattr(dask_pool, "run_dask", lambda tasks, address, timeout: real(tasks, address, timeout=0.5))
    assert main(["corpus", str(fixture_tree), "--dask", "tcp://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "Traceback" not in err
