"""Damaged module objects through insmod (Linux), kldload (FreeBSD) and modload (NetBSD
module(9)) at each system's console: kemu's own refusal or a load, never a Python exception,
and the machine still loads and unloads the clean fibo afterwards (see personalities.py).

The replays are the mutants that once escaped as Python exceptions: a Linux `__param` entry
whose name pointer leads nowhere, an init asking device_create for an empty name; FreeBSD
metadata, moduledata names, SYSINIT records and sysctl oids pointing outside the file, and
relocations that overflow only at the file's real address; a NetBSD `link_set_modules` entry
before its section's start and a modinfo_t pointer the linked module cannot read (the NetBSD
mutants that needed a machine's history have tests of their own in tests/netbsd_kmod).
`KEMU_SYSMUT_SEED` / `KEMU_SYSMUT_BUDGET` choose the campaign's first mutant and how many;
`-m slow` runs a long one.
"""
from __future__ import annotations

import pytest

from .campaign import campaign_budget, campaign_seed
from .personalities import PERSONALITIES, check_still_usable, command, mutant, run
from kemu.os import boot

BUDGET = 12                # mutants per system and arch in the default run
LONG_BUDGET = 1500

# (system, arch, mutant, what the damage does, a word of the refusal)
REPLAYS = [
    ("linux", "i386", 7100130, "a __param name pointer into unmapped memory", "Bad address"),
    ("linux", "i386", 7100182, "a __param name pointer into unmapped memory", "Bad address"),
    ("linux", "i386", 9300218, "init calling device_create with an empty name", "Invalid parameters"),
    ("freebsd", "i386", 7100004, "a modmetadata pointer outside the file", "error occurred"),
    ("freebsd", "i386", 7100098, "a moduledata name outside the file", "error occurred"),
    ("freebsd", "i386", 7100130, "a SYSINIT record outside the file", "error occurred"),
    ("freebsd", "i386", 5500190, "a static sysctl oid outside the file", "error occurred"),
    ("freebsd", "x86_64", 7100199, "a linker set read at address 0", "error occurred"),
    ("freebsd", "x86_64", 9300035, "a relocation overflowing only at the real address", "error occurred"),
    ("freebsd", "x86_64", 9300276, "a relocation overflowing only at the real address", "error occurred"),
    ("netbsd", "i386", 7100109, "a link_set_modules entry before its section", "Exec format error"),
    ("netbsd", "i386", 7100096, "a modinfo_t pointer the linked module cannot read", "Exec format error"),
]


@pytest.mark.parametrize("system_name, arch, k, damage, refusal", REPLAYS,
                         ids=[f"{s}-{a}-{k}" for s, a, k, _, _ in REPLAYS])
def test_a_module_whose_own_pointers_lead_nowhere_is_refused_cleanly(tmp_path, system_name, arch, k,
                                                                    damage, refusal):
    personality = PERSONALITIES[system_name]
    system = boot(system_name, arch)
    path, _, edits = mutant(system_name, arch, k, tmp_path)
    status, text = command(system, personality.load.format(path=path))
    assert status != 0, f"{damage} ({'; '.join(edits)}) was accepted:\n{text}"
    assert refusal in text
    check_still_usable(system, personality, arch)


@pytest.mark.parametrize("system_name", sorted(PERSONALITIES))
@pytest.mark.parametrize("arch", ["i386", "x86_64"])
def test_mutants_through_each_systems_loader_leave_the_machine_usable(tmp_path, system_name, arch):
    outcomes = run(system_name, arch, campaign_seed(), campaign_budget(BUDGET), tmp_path)
    assert sum(outcomes.values()) == campaign_budget(BUDGET)


@pytest.mark.slow
@pytest.mark.parametrize("system_name", sorted(PERSONALITIES))
def test_long_personality_mutation_campaign(tmp_path, request, system_name):
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("the long campaign runs with -m slow")
    for arch in ("i386", "x86_64"):
        outcomes = run(system_name, arch, campaign_seed(), campaign_budget(LONG_BUDGET), tmp_path)
        print(system_name, arch, outcomes)
