"""System-level mutation suite: damaged module objects through every user path (issue 8).

Real fixtures (fibo, echodev, leaky, busy, printfmt, hugewidth, nullread, hostile; i386 and
x86-64; gcc and clang) get flipped bytes and planted hostile instructions in `.text`, damaged
data, relocations, symbols, names and headers, or are truncated; then each goes through
`system.modload`, `system.load`, the `modload` command, `kemu link`, `kemu debug --batch` or
`kemu trace`. Whatever a mutant does, the only acceptable outcomes are success or kemu's own
error (SyscallError; the tool's message and exit status) within the machine's time limit per
call, bounded memory, and the same machine still loading the clean fibo and reading 1 1 2 3 5
from /dev/fibo0 afterwards.

Default run: a fixed seeded budget of a few hundred mutants (about 20 s). `-m slow` runs the
long campaign. `KEMU_SYSMUT_SEED` / `KEMU_SYSMUT_BUDGET` choose the first mutant and how many:
a failure prints the values that replay it in the same test (each test draws the path from
its own set, so mutant k is the same object and damage in every test, taken its own way).
"""
from __future__ import annotations

import pytest

from .campaign import API_PATHS, CLI_PATHS, campaign_budget, campaign_seed, run

API_BUDGET = 240          # mutants through the Python API and the modload command
CLI_BUDGET = 120           # mutants through kemu link / debug --batch / trace, in this process
LONG_BUDGET = 6000        # -m slow


def test_mutants_through_the_api_and_modload_leave_the_machine_usable(tmp_path):
    report = run(campaign_seed(), campaign_budget(API_BUDGET), API_PATHS, tmp_path)
    print(report)
    outcomes = report.outcomes
    assert sum(outcomes.values()) == campaign_budget(API_BUDGET)
    if campaign_budget(API_BUDGET) >= 100:      # the mix reaches both ends: loads and refusals
        assert any(k.endswith(": loaded") for k in outcomes), report
        assert any(k.endswith(": refused") for k in outcomes), report


def test_mutants_through_kemu_link_debug_and_trace_end_with_the_tools_own_messages(tmp_path):
    report = run(campaign_seed(), campaign_budget(CLI_BUDGET), CLI_PATHS, tmp_path)
    print(report)
    if campaign_budget(CLI_BUDGET) >= 50:
        assert any(k.endswith(": ok") for k in report.outcomes), report
        assert any(k.endswith(": refused") for k in report.outcomes), report


@pytest.mark.slow
def test_long_system_mutation_campaign(tmp_path, request):
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("the long campaign runs with -m slow")
    report = run(campaign_seed(), campaign_budget(LONG_BUDGET), API_PATHS + CLI_PATHS, tmp_path)
    print(report)
