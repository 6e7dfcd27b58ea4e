"""Mutants through `kemu shell -c` in a real subprocess: the console prints the tools' own
messages (never a traceback), and the same console then loads the clean fibo and reads
1 1 2 3 5 from /dev/fibo0."""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys

import pytest

import kemu

from .campaign import seeds
from .harness import POSTINSTALL, TRACEBACK_WORDS, clean_fibo, write_mutant
from .mutate import mutate

#: mutant seeds, each drawn from the modules other than fibo (whose name a loaded mutant takes)
SUBPROCESS_MUTANTS = (11, 12, 13, 14)
FIBO_WORDS = re.compile(r"^\s*1\s+1\s+2\s+3\s*\n\s*5\s*$", re.M)


@pytest.mark.parametrize("k", SUBPROCESS_MUTANTS)
def test_kemu_shell_survives_a_mutant_and_still_runs_fibo(k, tmp_path):
    rng = random.Random(k)
    seed = rng.choice([s for s in seeds() if s.name != "fibo"])
    data, log = mutate(seed, rng)
    mutant = write_mutant(tmp_path, seed.name, data)
    script = (f"modload {mutant} || true; modstat; modunload -n {seed.name} || true; "
              f"modload -p {POSTINSTALL} {clean_fibo(seed.arch, seed.compiler)}; "
              f"od -A n -t u4 -N 20 /dev/fibo0")
    root = os.path.dirname(os.path.dirname(kemu.__file__))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("KEMU_TRACEBACK", None)
    done = subprocess.run([sys.executable, "-m", "kemu", "shell", "--arch", seed.arch,
                           "--timeout", "0.2", "-c", script],
                          capture_output=True, text=True, timeout=120, env=env)
    where = f"mutant {k} of {seed.arch}/{seed.compiler}/{seed.name}: {'; '.join(log)}"
    for word in TRACEBACK_WORDS:
        assert word not in done.stdout + done.stderr, f"{where}\n{done.stderr}"
    assert done.returncode == 0, f"{where}\n{done.stdout}\n{done.stderr}"
    assert FIBO_WORDS.search(done.stdout), f"{where}\n{done.stdout}"
