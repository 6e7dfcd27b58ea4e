"""Coverage against known execution: covmod's lines run or not by design (marked hit / miss in
the source); every build — both arches, gcc and clang, -O0 and -O2 — is checked against the
marks. At -O0 the recorded sets are exact; at -O2 code moves between lines, so the checks are
containment: nothing marked miss ran, everything that ran is marked hit, every statement
marked hit that holds code ran."""
from __future__ import annotations

import pytest

from .covmod import BUILDS, line_of, load_and_unload, marked, statements

HIT, MISS = marked("hit"), marked("miss")
BRANCH_LINE = line_of("if (value > 0)")          # the branch that only ever goes one way


@pytest.fixture(scope="module", params=BUILDS, ids=lambda b: "-".join((b[0], b[1], "O" + b[2])))
def recorded(request):
    coverage, _recorder = load_and_unload(*request.param)
    return request.param, coverage.find("covmod.c")


def test_every_line_with_code_is_marked(recorded):
    _build, fc = recorded
    assert set(fc.lines) - HIT - MISS == set()


def test_no_line_marked_miss_ran(recorded):
    _build, fc = recorded
    assert fc.hit_lines() & MISS == set()
    assert fc.missed_lines() & MISS, "the never-run lines must still be listed, with count 0"


def test_every_line_that_ran_is_marked_hit(recorded):
    _build, fc = recorded
    assert fc.hit_lines() <= HIT


def test_at_O0_the_hit_and_missed_sets_are_exact(recorded):
    (_arch, _compiler, level), fc = recorded
    if level != "0":
        pytest.skip("exact sets only without optimisation")
    assert fc.hit_lines() == HIT & set(fc.lines)
    assert fc.missed_lines() == MISS & set(fc.lines)
    assert statements(HIT) <= fc.hit_lines()
    assert statements(MISS) <= fc.missed_lines()


def test_at_O2_every_statement_marked_hit_that_holds_code_ran(recorded):
    (_arch, _compiler, level), fc = recorded
    if level != "2":
        pytest.skip("containment is the -O2 check")
    assert statements(HIT) & set(fc.lines) <= fc.hit_lines()


def test_the_function_never_called_is_found_and_not_entered(recorded):
    _build, fc = recorded
    assert fc.functions["covmod_never"][1] == 0
    for name in ("covmod_branch", "covmod_load", "covmod_unload"):
        assert fc.functions[name][1] == 1, name
    assert fc.functions["covmod_lkmentry"][1] == 2          # load and unload


def test_the_one_way_branch_records_one_outcome_only(recorded):
    _build, fc = recorded
    outcomes = sorted(t for (line, _block, _branch), t in fc.branches.items() if line == BRANCH_LINE)
    assert outcomes == [0, 1]


def test_loading_twice_adds_the_counts_up():
    coverage, _ = load_and_unload("i386", "gcc", "0", times=2)
    fc = coverage.find("covmod.c")
    assert fc.functions["covmod_load"][1] == 2
    assert fc.lines[BRANCH_LINE] == 2
    assert fc.hit_lines() == HIT & set(fc.lines)
