"""A small module tree made of the committed Linux fixtures, laid out as /lib/modules/REL."""
from __future__ import annotations

import shutil

import pytest

from kemu.paths import fixture

FIXTURES = fixture("linux")
PLACED = {"hello.ko": "kernel/misc", "initfail.ko": "kernel/misc", "noexit.ko": "kernel/misc",
          "stack_base.ko": "kernel/lib", "stack_user.ko": "kernel/drivers"}


def make_tree(root, arch: str = "x86_64"):
    tree = root / "lib" / "modules" / "6.1.0-kemu"
    for name, where in PLACED.items():
        (tree / where).mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / arch / name, tree / where / name)
    return tree


@pytest.fixture
def fixture_tree(tmp_path):
    return make_tree(tmp_path)
