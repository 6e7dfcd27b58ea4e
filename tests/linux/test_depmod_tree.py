"""depmod over a real module tree (subdirectories, modules.order), written as kmod's depmod
writes modules.dep: checked against the host's `depmod -b` where kmod is installed."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from kemu.os.linux.depmod import find_modules, modules_dep, parse_dep

from .conftest import ARCHES, FIXTURE_DIR

RELEASE = "6.1.0-kemu"


def make_tree(tmp_path, arch: str, order: list[str] | None = None):
    """lib/modules/RELEASE with the fixtures spread over kernel/ subdirectories."""
    tree = tmp_path / "lib" / "modules" / RELEASE
    placed = {"stack_base.ko": "kernel/lib", "stack_user.ko": "kernel/drivers/misc",
              "hello.ko": "kernel/drivers/misc", "params.ko": "kernel/fs"}
    for name, where in placed.items():
        (tree / where).mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURE_DIR / arch / name, tree / where / name)
    (tree / "build").mkdir()
    shutil.copy(FIXTURE_DIR / arch / "fibo.ko", tree / "build" / "fibo.ko")   # depmod skips build/
    if order is not None:
        (tree / "modules.order").write_text("".join(line + "\n" for line in order))
    return tree


@pytest.mark.parametrize("arch", ARCHES)
def test_modules_below_subdirectories_are_listed_by_relative_path(tmp_path, arch):
    tree = make_tree(tmp_path, arch)
    deps = parse_dep(modules_dep(str(tree)))
    assert deps["stack_user"] == ["kernel/drivers/misc/stack_user.ko", "kernel/lib/stack_base.ko"]
    assert "fibo" not in deps


def test_modules_order_decides_the_order_of_lines(tmp_path):
    order = ["kernel/fs/params.ko", "kernel/lib/stack_base.ko", "kernel/drivers/misc/stack_user.ko"]
    tree = make_tree(tmp_path, "x86_64", order)
    lines = [line.split(":")[0] for line in modules_dep(str(tree)).splitlines()]
    assert lines == order + ["kernel/drivers/misc/hello.ko"]      # unlisted ones follow


def test_find_modules_skips_build_and_source(tmp_path):
    tree = make_tree(tmp_path, "x86_64")
    assert "build/fibo.ko" not in find_modules(str(tree))
    assert len(find_modules(str(tree))) == 4


@pytest.mark.parametrize("arch", ARCHES)
def test_modules_dep_is_byte_identical_to_kmods_depmod(tmp_path, arch):
    depmod = shutil.which("depmod") or next((p for p in ("/usr/sbin/depmod", "/sbin/depmod")
                                              if shutil.which(p)), None)
    if depmod is None:
        pytest.skip("kmod's depmod is not installed")
    order = ["kernel/drivers/misc/stack_user.ko", "kernel/lib/stack_base.ko", "kernel/fs/params.ko"]
    tree = make_tree(tmp_path, arch, order)
    ours = modules_dep(str(tree))
    subprocess.run([depmod, "-b", str(tmp_path), RELEASE], check=True, capture_output=True)
    assert ours == (tree / "modules.dep").read_text()


def test_a_file_that_is_not_a_module_keeps_its_line_and_is_reported(tmp_path):
    tree = make_tree(tmp_path, "x86_64")
    (tree / "kernel" / "fs" / "junk.ko").write_bytes(b"junk\n")
    warnings: list[str] = []
    deps = parse_dep(modules_dep(str(tree), warn=warnings.append))
    assert deps["junk"] == ["kernel/fs/junk.ko"]
    assert deps["stack_user"] == ["kernel/drivers/misc/stack_user.ko", "kernel/lib/stack_base.ko"]
    assert warnings and warnings[0].startswith("depmod: ERROR: failed to load module kernel/fs/junk.ko: ")
