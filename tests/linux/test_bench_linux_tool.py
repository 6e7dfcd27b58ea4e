"""tools/bench_linux.py says why Qiling was not measured instead of failing."""
from __future__ import annotations

from .conftest import load_tool


def test_a_missing_qiling_venv_is_reported_with_the_install_step():
    bench = load_tool("bench_linux")
    result = bench.qiling("x86_64", 1, "/nonexistent/qlvenv/bin/python")
    assert result["error"].startswith("not run: /nonexistent/qlvenv/bin/python does not exist")
    assert "pip install qiling" in result["error"]


def test_a_qiling_script_failure_is_reported_with_its_last_words(tmp_path):
    bench = load_tool("bench_linux")
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'no module named qiling' >&2\nexit 3\n")
    broken.chmod(0o755)
    result = bench.qiling("x86_64", 1, str(broken))
    assert result == {"error": f"{broken} exited 3: no module named qiling"}
