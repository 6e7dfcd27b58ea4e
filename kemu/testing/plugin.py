"""kemu's pytest plugin: regression tests for your own kernel module, a fresh kernel per test.

Installed with kemu (entry point `pytest11`), so any project's tests can use its fixtures:

    def test_fibo_counts(kemu_system, kemu_load, kemu_open):
        kemu_load("fibo.o", postinstall="fibo_postinstall.sh")
        fd = kemu_open("/dev/fibo0")
        assert struct.unpack("<5I", kemu_system.read(fd, 20)) == (1, 1, 2, 3, 5)

`kemu_system` is a kernel booted for this test (`kemu.boot(os, arch)`): the OS and arch come
from `@pytest.mark.kemu(os="netbsd-lkm", arch="x86_64")`, else `--kemu-os`/`--kemu-arch`, else
the `kemu_os`/`kemu_arch` ini settings (default netbsd-lkm on i386). `kemu_load(path, **options)`
loads a module through the system's own load verb (the options are the system's: `entry`,
`postinstall`, `lenient` …) and returns its `LoadedModule`; `kemu_open(path, mode)` opens a
device and returns the descriptor. When the test ends kemu closes what it opened, unloads what it
loaded (newest first) and fails the test if a module refused to unload, leaked kernel memory,
or left something registered that the kernel had to take back (a device switch slot, say).
`@pytest.mark.kemu(allow_leaks=True)` accepts leaks (a test about leak reporting itself).

`--kemu-cov FILE.info` records which lines and branches of the modules the tests load ran,
merged over every test, and writes one lcov tracefile at the end of the session (with a
per-file summary in pytest's terminal summary); `--kemu-report FILE.json` writes the run
report (docs/run-report.md) with one run per test that booted a kernel.
"""
from __future__ import annotations

from typing import Any

import pytest

DEFAULT_OS = "netbsd-lkm"
DEFAULT_ARCH = "i386"


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("kemu", "kemu: run kernel modules in an emulated kernel")
    group.addoption("--kemu-os", default=None, help=f"system kemu_system boots (default {DEFAULT_OS})")
    group.addoption("--kemu-arch", default=None, help=f"arch kemu_system boots (default {DEFAULT_ARCH})")
    group.addoption("--kemu-cov", default=None, metavar="FILE.info",
                    help="record line and branch coverage of the modules tests load; write an lcov tracefile")
    group.addoption("--kemu-report", default=None, metavar="FILE.json",
                    help="write kemu's run report (modules, service calls, oopses, leaks, coverage)")
    parser.addini("kemu_os", f"system kemu_system boots (default {DEFAULT_OS})", default=DEFAULT_OS)
    parser.addini("kemu_arch", f"arch kemu_system boots (default {DEFAULT_ARCH})", default=DEFAULT_ARCH)


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "kemu(os=None, arch=None, allow_leaks=False, **boot_options): "
                                       "how kemu_system boots and what its teardown checks")
    cov, report = config.getoption("--kemu-cov"), config.getoption("--kemu-report")
    if cov or report:
        from kemu.kernel.run_outputs import OutputPathError, RunOutputs
        outputs = RunOutputs("pytest", coverage_path=cov, report_path=report, test_name="pytest")
        try:
            outputs.check_paths()
        except OutputPathError as exc:
            raise pytest.UsageError(f"kemu: {exc}".replace("--coverage", "--kemu-cov")
                                    .replace("--report", "--kemu-report")) from None
        config._kemu_outputs = outputs


def _outputs(config: Any) -> Any:
    return getattr(config, "_kemu_outputs", None)


def pytest_sessionfinish(session: Any) -> None:
    outputs = _outputs(session.config)
    if outputs is None:
        return
    from kemu.kernel.run_outputs import OutputPathError
    try:
        text = outputs.write()
        for option, path in (("coverage tracefile", outputs.coverage_path), ("run report", outputs.report_path)):
            if path:
                text += f"kemu: {option} written to {path}\n"
        outputs.summary_text = text
    except OutputPathError as exc:
        outputs.summary_text = f"kemu: {exc}\n"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    outputs = _outputs(terminalreporter.config)
    text = getattr(outputs, "summary_text", "") if outputs is not None else ""
    if text:
        terminalreporter.section("kemu coverage" if outputs.coverage_path else "kemu run report")
        for line in text.splitlines():
            terminalreporter.write_line(line)


class ModuleHarness:
    """What one test loaded and opened, and the checks made when it ends."""

    def __init__(self, system: Any, allow_leaks: bool):
        self.system = system
        self.allow_leaks = allow_leaks
        self.loaded: list[Any] = []
        self.fds: list[int] = []

    def load(self, path: str, **options: Any) -> Any:
        module = self.system.load(path, **options)
        self.loaded.append(module)
        return module

    def open(self, path: str, mode: str | int = "r") -> int:
        fd = self.system.open(path, mode)
        self.fds.append(fd)
        return fd

    def finish(self) -> list[str]:
        """Close, unload, check; the problems found, one sentence each."""
        from kemu.kernel import ModuleState, SyscallError
        problems = []
        for fd in reversed(self.fds):
            try:
                self.system.close(fd)
            except SyscallError:
                pass                        # the test closed it already
        for module in reversed(self.loaded):
            if module.state is ModuleState.LIVE:
                try:
                    self.system.unload(module)
                except SyscallError as exc:
                    problems.append(f"module {module.name} refused to unload: {exc.message}")
                    continue
        for module in self.loaded:
            if module.state is ModuleState.LIVE:
                continue
            if module.leaked and not self.allow_leaks:
                blocks = "; ".join(f"{a.size} bytes of {a.tag} allocated by "
                                   f"{_where(module, a.caller)}" for a in module.leaked)
                problems.append(f"module {module.name} leaked {len(module.leaked)} block(s): {blocks}")
            if module.left_behind:
                problems.append(f"module {module.name} left registered at unload: "
                                f"{', '.join(module.left_behind)}")
        return problems


def _where(module: Any, caller: int | None) -> str:
    found = module.image.symbolize(caller) if caller is not None else None
    return f"{found[0]}+{found[1]:#x}" if found else (f"{caller:#x}" if caller is not None else "?")


def _setting(request: Any, marker: Any, key: str) -> str:
    if marker is not None and marker.kwargs.get(key):
        return marker.kwargs[key]
    return request.config.getoption(f"--kemu-{key}") or request.config.getini(f"kemu_{key}")


@pytest.fixture
def kemu_system(request: Any) -> Any:
    """A kernel booted for this test; teardown unloads its modules and checks them."""
    import kemu
    marker = request.node.get_closest_marker("kemu")
    options = dict(marker.kwargs) if marker is not None else {}
    os_name, arch = _setting(request, marker, "os"), _setting(request, marker, "arch")
    allow_leaks = bool(options.pop("allow_leaks", False))
    for key in ("os", "arch"):
        options.pop(key, None)
    system = kemu.boot(os_name, arch, **options)
    harness = ModuleHarness(system, allow_leaks)
    system.kemu_harness = harness
    outputs = _outputs(request.config)
    if outputs is not None:
        outputs.attach(system, os_name, name=request.node.nodeid)
    yield system
    try:
        problems = harness.finish()
    finally:
        if outputs is not None:
            outputs.detach(system)
    if problems:
        pytest.fail("kemu: " + "\n".join(problems), pytrace=False)


@pytest.fixture
def kemu_load(kemu_system: Any) -> Any:
    """`kemu_load(path, **options) -> LoadedModule`: load through the system's own load verb;
    unloaded and checked for leaks when the test ends."""
    return kemu_system.kemu_harness.load


@pytest.fixture
def kemu_open(kemu_system: Any) -> Any:
    """`kemu_open(path, mode="r") -> fd`: open a device; closed when the test ends."""
    return kemu_system.kemu_harness.open
