"""Debian's real Linux 6.1 modules (fetched and unpacked by tools/fetch_debian_modules.py,
never committed) through `kemu corpus` and depmod; skipped when they are not fetched."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess

import pytest

from kemu.cli.main import main
from kemu.os.linux.corpus.outcome import INIT_OK, OUTCOMES
from kemu.os.linux.depmod import modules_dep
from kemu.paths import ROOT

pytestmark = pytest.mark.corpus

ARCHES = ("x86_64", "i386")
#: kernel/lib/ has about 40 modules per flavour; of those, measured: 24 on amd64 (and on 686-pae
#: return 0 from init and unload cleanly
MIN_CLEAN = 22


def tree_of(arch: str):
    spec = importlib.util.spec_from_file_location("fetch_debian_modules", ROOT / "tools" / "fetch_debian_modules.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    root = tool.modules_root(arch)
    if root is None:
        pytest.skip(f"Debian's {arch} modules are not fetched (python3 tools/fetch_debian_modules.py --arch {arch})")
    return root


def run_corpus(tree, out_json, capsys, *extra: str) -> tuple[str, list[dict]]:
    assert main(["corpus", str(tree), "--only", "kernel/lib/*", "--jobs", "2", "--json", str(out_json), *extra]) == 0
    table = capsys.readouterr().out
    return table.rsplit("\ntime:", 1)[0], json.loads(out_json.read_text())["modules"]


@pytest.mark.parametrize("arch", ARCHES)
def test_lib_modules_run_with_their_dependencies_and_classify(arch, tmp_path, capsys):
    tree = tree_of(arch)
    table, records = run_corpus(tree, tmp_path / "a.json", capsys)
    assert len(records) == len(list((tree / "kernel" / "lib").rglob("*.ko")))
    assert all(r["outcome"] in OUTCOMES for r in records)
    assert sum(r["outcome"] == INIT_OK for r in records) >= MIN_CLEAN, table
    assert all(r["arch"] == arch for r in records)


def test_a_second_run_prints_the_same_table(tmp_path, capsys):
    tree = tree_of("x86_64")
    first, _ = run_corpus(tree, tmp_path / "a.json", capsys, "--limit", "12")
    second, _ = run_corpus(tree, tmp_path / "b.json", capsys, "--limit", "12")
    assert first == second


@pytest.mark.parametrize("arch", ARCHES)
def test_modules_dep_of_debians_tree_is_kmods(arch, tmp_path):
    depmod = shutil.which("depmod") or shutil.which("/usr/sbin/depmod") or shutil.which("/sbin/depmod")
    if depmod is None:
        pytest.skip("kmod's depmod is not installed")
    tree = tree_of(arch)
    copy = tmp_path / "lib" / "modules" / tree.name          # depmod writes into its tree: a tree of links
    shutil.copytree(tree, copy, symlinks=False, copy_function=os.symlink)
    subprocess.run([depmod, "-b", str(tmp_path), tree.name], check=True, capture_output=True)
    assert modules_dep(str(tree)) == (copy / "modules.dep").read_text()
