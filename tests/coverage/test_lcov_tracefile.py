"""The lcov tracefile: what kemu writes reads back the same, merges add up, and genhtml
(Debian's lcov package; installed by tools/install-test-deps) turns it into HTML."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from kemu.kernel.lcov import Coverage, LcovError, parse_lcov

from .covmod import load_and_unload


@pytest.fixture(scope="module")
def coverage() -> Coverage:
    return load_and_unload("x86_64", "clang", "0")[0]


def test_the_tracefile_has_every_record_type_in_lcov_order(coverage):
    text = coverage.lcov_text("unit")
    kinds = [line.split(":")[0] for line in text.splitlines()]
    assert kinds[0] == "TN" and kinds[1] == "SF" and kinds[-1] == "end_of_record"
    order = ["FN", "FNDA", "FNF", "FNH", "BRDA", "BRF", "BRH", "DA", "LF", "LH"]
    firsts = [kinds.index(k) for k in order]
    assert firsts == sorted(firsts)


def test_the_totals_lines_agree_with_the_records(coverage):
    text = coverage.lcov_text()
    fc = next(iter(coverage.files.values()))
    assert f"LF:{fc.lines_found}" in text and f"LH:{fc.lines_hit}" in text
    assert sum(1 for line in text.splitlines() if line.startswith("DA:")) == fc.lines_found
    assert sum(1 for line in text.splitlines() if line.startswith("BRDA:")) == fc.branches_found
    assert f"FNF:5" in text and "FNH:4" in text


def test_a_tracefile_reads_back_to_the_same_counts(coverage):
    again = parse_lcov(coverage.lcov_text())
    assert again.lcov_text() == coverage.lcov_text()


def test_merging_adds_line_function_and_branch_counts(coverage):
    twice = Coverage().merge(coverage).merge(coverage)
    for path, fc in coverage.files.items():
        doubled = twice.files[path]
        assert doubled.lines == {line: 2 * n for line, n in fc.lines.items()}
        assert {k: v[1] for k, v in doubled.functions.items()} == {k: 2 * v[1] for k, v in fc.functions.items()}
        assert doubled.branches == {k: None if v is None else 2 * v for k, v in fc.branches.items()}


def test_a_malformed_line_is_named_with_its_number():
    with pytest.raises(LcovError, match=r"cov.info: line 3: cannot read 'DA:x,1'"):
        parse_lcov("TN:\nSF:a.c\nDA:x,1\nend_of_record\n", "cov.info")


def test_the_summary_names_each_file_and_the_total(coverage):
    text = coverage.summary()
    fc = coverage.find("covmod.c")
    share = f"{100.0 * fc.lines_hit / fc.lines_found:.1f}%"
    assert f"covmod.c: lines {share} ({fc.lines_hit} of {fc.lines_found}), functions 4 of 5, " \
           f"branches {fc.branches_hit} of {fc.branches_found}" in text
    assert text.splitlines()[-1].startswith(f"total: lines {share}")


def test_genhtml_accepts_the_tracefile(coverage, tmp_path):
    if shutil.which("genhtml") is None:
        pytest.skip("genhtml is not installed (Debian package lcov; tools/install-test-deps)")
    info = tmp_path / "covmod.info"
    info.write_text(coverage.lcov_text("covmod"))
    done = subprocess.run(["genhtml", "--branch-coverage", "-o", str(tmp_path / "html"), str(info)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "covmod.c" in (tmp_path / "html" / "index.html").read_text() or \
        any(p.name.startswith("covmod.c") for p in (tmp_path / "html").rglob("*.html"))
    fc = coverage.find("covmod.c")
    assert f"({fc.lines_hit} of {fc.lines_found} lines)" in done.stdout
