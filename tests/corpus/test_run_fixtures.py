"""Corpus runs over a tree of the committed fixtures: each outcome as the module earns it,
dependencies loaded first, workers that overrun killed without stopping the run."""
from __future__ import annotations

import json

import pytest

from kemu.cli.main import main
from kemu.os.linux.corpus import CorpusError, plan, run_module
from kemu.os.linux.corpus.outcome import INIT_ERROR, INIT_OK, INIT_OK_PERMANENT, TIMEOUT
from kemu.os.linux.corpus.pool import run_local

from .conftest import make_tree


def by_module(records):
    return {r["module"]: r for r in records}


@pytest.mark.parametrize("arch", ["x86_64", "i386"])
def test_each_fixture_gets_the_outcome_its_init_earns(tmp_path, arch):
    tree = make_tree(tmp_path, arch)
    records = by_module(run_module(t) for t in plan(str(tree), arch=arch))
    assert records["hello"]["outcome"] == INIT_OK
    assert records["initfail"]["outcome"] == INIT_ERROR and records["initfail"]["detail"] == "-ENODEV"
    assert records["noexit"]["outcome"] == INIT_OK_PERMANENT
    assert records["stack_user"]["outcome"] == INIT_OK
    assert records["stack_user"]["dependencies"] == ["kernel/lib/stack_base.ko"]
    assert "_printk" in records["hello"]["services"]


def test_only_selects_by_glob(fixture_tree):
    assert [t.path for t in plan(str(fixture_tree), only=["kernel/misc/h*"])] == ["kernel/misc/hello.ko"]
    assert [t.path for t in plan(str(fixture_tree), only=["stack_user"])] == ["kernel/drivers/stack_user.ko"]


def test_a_tree_without_modules_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(CorpusError, match="no kernel modules"):
        plan(str(tmp_path))
    assert main(["corpus", str(tmp_path / "missing")]) == 1
    assert "not a directory" in capsys.readouterr().err


def test_a_worker_over_its_time_is_killed_and_the_run_goes_on(fixture_tree):
    tasks = plan(str(fixture_tree), only=["hello", "noexit"])
    records = list(run_local(tasks, jobs=1, timeout=0.01))     # not even time to boot
    assert [r["outcome"] for r in records] == [TIMEOUT, TIMEOUT]
    assert all("killed after" in r["detail"] for r in records)


def test_kemu_corpus_prints_the_table_and_writes_json(fixture_tree, tmp_path, capsys):
    out_json = tmp_path / "records.json"
    assert main(["corpus", str(fixture_tree), "--jobs", "2", "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "init returned 0, clean unload" in text and "init returned an error" in text
    data = json.loads(out_json.read_text())
    assert [r["path"] for r in data["modules"]] == sorted(r["path"] for r in data["modules"])
    assert len(data["modules"]) == 5 and data["meta"]["arch"] == "x86_64"


def test_a_tree_with_its_own_modules_dep_is_read_as_modprobe_reads_it(fixture_tree):
    (fixture_tree / "modules.dep").write_text("kernel/misc/hello.ko:\nkernel/drivers/stack_user.ko: kernel/lib/stack_base.ko\n")
    assert [(t.path, t.chain) for t in plan(str(fixture_tree))] == [
        ("kernel/drivers/stack_user.ko", ["kernel/lib/stack_base.ko"]), ("kernel/misc/hello.ko", [])]


def test_a_file_that_is_not_a_module_costs_only_its_own_record(fixture_tree, capsys):
    (fixture_tree / "kernel" / "misc" / "junk.ko").write_bytes(b"junk\n")
    records = by_module(run_module(t) for t in plan(str(fixture_tree), warn=print))
    assert records["junk"]["outcome"] == "link failed" and "Invalid ELF header" in records["junk"]["detail"]
    assert records["hello"]["outcome"] == INIT_OK
    assert "failed to load module kernel/misc/junk.ko" in capsys.readouterr().out


@pytest.mark.parametrize("where, says", [("missing/records.json", "no such directory"), (".", "is a directory")])
def test_an_unusable_json_path_is_refused_before_the_run(fixture_tree, tmp_path, capsys, where, says):
    assert main(["corpus", str(fixture_tree), "--json", str(tmp_path / where)]) == 2
    err = capsys.readouterr().err
    assert f"kemu corpus: --json {tmp_path / where}: {says}" in err
    assert "internal error" not in err


@pytest.mark.parametrize("option, value", [("--limit", "0"), ("--limit", "-5"), ("--top", "-3"), ("--jobs", "0")])
def test_counts_below_their_least_are_refused(fixture_tree, capsys, option, value):
    assert main(["corpus", str(fixture_tree), option, value]) == 2
    assert f"kemu corpus: {option} must be" in capsys.readouterr().err
