"""Damaged module objects through insmod (Linux), kldload (FreeBSD) and modload (NetBSD
module(9)) at each system's console: kemu's own refusal or a load, never a Python exception,
and the machine still loads and unloads the clean fibo afterwards (see personalities.py).

The replays are the mutants that once escaped as Python exceptions (kept as patches over their
fixtures): a Linux `__param` entry
whose name pointer leads nowhere, an init asking device_create for an empty name; FreeBSD
metadata, moduledata names, SYSINIT records and sysctl oids pointing outside the file, and
relocations that overflow only at the file's real address; a NetBSD `link_set_modules` entry
before its section's start and a modinfo_t pointer the linked module cannot read (the NetBSD
mutants that needed a machine's history have tests of their own in tests/netbsd_kmod).
`KEMU_SYSMUT_SEED` / `KEMU_SYSMUT_BUDGET` choose the campaign's first mutant and how many;
`-m slow` runs a long one.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

import pytest

from .campaign import campaign_budget, campaign_seed
from .personalities import PERSONALITIES, check_still_usable, command, run
from kemu.os import boot
from kemu.paths import FIXTURES

BUDGET = 12                # mutants per system and arch in the default run
LONG_BUDGET = 1500


class Replay(NamedTuple):
    """A mutant that once escaped, kept as its patches over a fixture: mutant numbers name a
    different file whenever fixtures are added, the bytes do not."""
    system: str
    fixture: str            # under FIXTURES/<system>/
    sha256: str             # first 16 hex digits of the fixture the patches apply to
    mutant: int             # the campaign's number for it when it was found
    patches: list[tuple[int, str]]     # (file offset, new bytes in hex)
    damage: str             # what the damage does
    refusal: str            # a word of the refusal

    def write(self, directory: Path) -> Path:
        original = (FIXTURES / self.system / self.fixture).read_bytes()
        assert hashlib.sha256(original).hexdigest()[:16] == self.sha256, \
            f"{self.fixture} was rebuilt: the replay's patches no longer apply to the bytes they were made for"
        data = bytearray(original)
        for offset, new in self.patches:
            data[offset:offset + len(new) // 2] = bytes.fromhex(new)
        path = directory / Path(self.fixture).name
        path.write_bytes(bytes(data))
        return path


REPLAYS = [
    Replay("linux", "i386/uaccess.ko", "24fb043e4c3dddb4", 7100130,
           [(862, '20'), (871, '95'), (875, 'f2'), (1280, '37003330')],
           "a __param name pointer into unmapped memory", "Bad address"),
    Replay("linux", "i386/waitq.ko", "003383a466073ceb", 7100182,
           [(1759, '04'), (1779, '40'), (1806, '40'), (1810, 'c5')],
           "a __param name pointer into unmapped memory", "Bad address"),
    Replay("linux", "i386/fibo.ko", "35d2b6bb5a59087e", 9300218,
           [(257, '93'), (268, '7d'), (278, 'a8'), (470, 'd3'), (562, '18'), (683, '5c'), (715, '3e'),
            (857, '5f'), (871, '81'), (874, '08'), (1025, '83'), (1041, '1f'), (1095, '54'),
            (1103, '71'), (1283, 'c2'), (1294, 'e0'), (1303, 'ff'), (1307, '92'), (1313, '09'),
            (1317, 'b2'), (1322, 'e9'), (1340, 'fffcbf'), (1357, 'b80020'), (1365, '50'), (1368, 'ba'),
            (1371, '10'), (1378, 'bf'), (1381, '24'), (1523, '85'), (1596, 'e9')],
           "init calling device_create with an empty name", "Invalid parameters"),
    Replay("freebsd", "i386/gcc/loadfail.ko", "907765d7ba34da24", 7100004, [(1148, '00000080')],
           "a modmetadata pointer outside the file", "error occurred"),
    Replay("freebsd", "i386/gcc/evlog.ko", "850a1e388b2ade29", 7100098, [(1395, 'f0ffffff')],
           "a moduledata name outside the file", "error occurred"),
    Replay("freebsd", "i386/gcc/mtxmod.ko", "26396473c43287e0", 7100130,
           [(1052, '05'), (1088, '95'), (1105, 'f0642c'), (1752, '37263330')],
           "a SYSINIT record outside the file", "error occurred"),
    Replay("freebsd", "i386/gcc/sysctlmod.ko", "d7f1672b42b90534", 5500190,
           [(1529, '4e'), (2517, '80'), (2594, '01'), (2607, '79')],
           "a static sysctl oid outside the file", "error occurred"),
    Replay("freebsd", "x86_64/gcc/fibo.ko", "e2f2b6763991cc74", 7100199,
           [(11224, '03'), (11284, '01'), (11480, '0001')],
           "a linker set read at address 0", "error occurred"),
    Replay("freebsd", "x86_64/gcc/multi.ko", "0e8a3ddeef3278fa", 9300035, [(11400, '0a')],
           "a relocation overflowing only at the real address", "error occurred"),
    Replay("freebsd", "x86_64/clang/depuser.ko", "6f8833fd9a5e5818", 9300276, [(9768, '2a'), (10176, '0c')],
           "a relocation overflowing only at the real address", "error occurred"),
    Replay("netbsd", "i386/clang/fibo/fibo.kmod", "9df7ef96b3310950", 7100109, [(604, '568b668e')],
           "a link_set_modules entry before its section", "Exec format error"),
    Replay("netbsd", "i386/clang/callbacks/callbacks.kmod", "278bb3576bb81782", 7100096, [(1376, '09')],
           "a modinfo_t pointer the linked module cannot read", "Exec format error"),
]


@pytest.mark.parametrize("replay", REPLAYS, ids=[f"{r.system}-{r.fixture}-{r.mutant}" for r in REPLAYS])
def test_a_module_whose_own_pointers_lead_nowhere_is_refused_cleanly(tmp_path, replay):
    personality = PERSONALITIES[replay.system]
    arch = replay.fixture.split("/")[0]
    system = boot(replay.system, arch)
    path = replay.write(tmp_path)
    status, text = command(system, personality.load.format(path=path))
    assert status != 0, f"{replay.damage} was accepted:\n{text}"
    assert replay.refusal in text
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
