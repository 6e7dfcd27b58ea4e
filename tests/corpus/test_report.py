"""The end table and the blocker ranking: counts, percentages, fallback columns, and the same
text whatever order the records arrived in."""
from __future__ import annotations

import random

from kemu.os.linux.corpus.outcome import INIT_ERROR, INIT_OK, LINK_FAILED
from kemu.os.linux.corpus.report import ranking, sort_records, table


def rec(path, outcome, blockers=(), fallback=(), stubbed=(), detail=""):
    return {"module": path.split("/")[-1][:-3], "path": path, "outcome": outcome, "detail": detail,
            "blockers": list(blockers), "fallback": list(fallback), "stubbed": list(stubbed)}


RECORDS = [rec("a.ko", INIT_OK), rec("b.ko", INIT_OK, stubbed=["kasprintf"]),
           rec("c.ko", INIT_ERROR, blockers=["bdi_alloc"], fallback=["bdi_alloc"], stubbed=["bdi_alloc"]),
           rec("d.ko", LINK_FAILED, blockers=["new_inode", "bdi_alloc"], detail="unresolved: new_inode bdi_alloc")]


def test_table_counts_each_class_with_its_share_and_fallback_columns():
    text = table(RECORDS)
    line = next(l for l in text.splitlines() if l.startswith(INIT_OK))
    assert line.split()[-5:] == ["2", "50.0%", "1", "1", "0"]
    assert "init 0 + clean unload + no leak: 2/4 (50.0%)" in text
    assert "linked with their dependencies (fallback stubs standing in for missing functions): 3/4 (75.0%)" in text


def test_ranking_counts_modules_per_blocking_service():
    lines = ranking(RECORDS).splitlines()
    assert lines[1].split() == ["bdi_alloc", "2", "modules"]
    assert lines[2].split() == ["new_inode", "1", "module"]


def test_the_report_does_not_depend_on_arrival_order():
    shuffled = RECORDS[:]
    random.Random(7).shuffle(shuffled)
    assert table(sort_records(shuffled)) == table(sort_records(RECORDS))
    assert ranking(shuffled) == ranking(RECORDS)
