"""kemu.lazy: a package's names imported from their modules on first use."""
from __future__ import annotations

import subprocess
import sys

import pytest

import kemu.kernel


def fresh(code: str) -> str:
    """Run `code` in a new interpreter (nothing of kemu imported yet) and return its output."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_one_submodule_does_not_load_the_rest_of_its_package():
    out = fresh("import sys, kemu.kernel.errno; "
                "print(' '.join(m for m in ('kemu.kernel.kernel', 'kemu.kernel.heap', "
                "'kemu.kernel.loader', 'kemu.kernel.uio', 'kemu.machine', 'unicorn') "
                "if m in sys.modules) or 'none')")
    assert out == "none"


def test_a_name_is_imported_from_its_module_when_first_asked_for():
    out = fresh("import sys, kemu.kernel as k; before = 'kemu.kernel.heap' in sys.modules; "
                "from kemu.kernel import KernelHeap; "
                "print(before, 'kemu.kernel.heap' in sys.modules, KernelHeap.__module__)")
    assert out == "False True kemu.kernel.heap"


def test_every_exported_name_resolves_and_dir_lists_it():
    for name in kemu.kernel.__all__:
        assert getattr(kemu.kernel, name) is not None
    assert set(kemu.kernel.__all__) <= set(dir(kemu.kernel))


def test_names_shared_with_a_submodule_mean_what_the_eager_package_exported():
    import kemu.kernel.service  # noqa: F401
    import kemu.userland.getopt  # noqa: F401
    from kemu.kernel import service
    from kemu.userland import getopt
    assert callable(service) and service.__module__ == "kemu.kernel.service"
    assert callable(getopt) and getopt.__module__ == "kemu.userland.getopt"


def test_a_submodule_asked_for_by_attribute_is_imported():
    out = fresh("import kemu.kernel as k; print(k.varargs.__name__)")
    assert out == "kemu.kernel.varargs"


def test_an_unknown_name_is_an_attribute_error_naming_the_package():
    with pytest.raises(AttributeError, match="module 'kemu.kernel' has no attribute 'Nonesuch'"):
        kemu.kernel.Nonesuch  # noqa: B018


def test_lazy_exports_for_a_new_package(tmp_path, monkeypatch):
    pkg = tmp_path / "lazypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "from kemu.lazy import lazy_exports\n"
        "__getattr__, __dir__ = lazy_exports(__name__, {'.things': ['Thing']})\n")
    (pkg / "things.py").write_text("class Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import lazypkg
    assert "lazypkg.things" not in sys.modules
    assert lazypkg.Thing.__module__ == "lazypkg.things"
    assert "Thing" in dir(lazypkg)
