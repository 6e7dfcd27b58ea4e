#!/usr/bin/env python3
"""Rebuild (or check) the committed Linux .ko fixtures from their sources in guest/linux.

    python3 tools/build_linux_fixtures.py                 # rebuild fixtures/linux and MANIFEST.json
    python3 tools/build_linux_fixtures.py --check         # rebuild into a temp dir, compare sha256
    python3 tools/build_linux_fixtures.py --check --only hello,fibo

Every module of guest/linux is built for x86_64 (Debian flavour amd64) and i386 (686-pae)
by kbuild through kemu.toolchain.linux_kbuild, the code behind `kemu cc --target linux`,
into fixtures/linux/<arch>/<name>.ko. stack_base's Module.symvers is kept beside it
(stack_base.symvers): stack_user is built against it, as an out-of-tree module stacked on
another is.

The builds are reproducible: the scratch directory's path is mapped away
(-ffile-prefix-map), the headers' paths are fixed, and the build id is a hash of the
contents, so the same sources, headers (kernel ABI and Debian version) and gcc give the same
bytes. MANIFEST.json records those three, each module's sources and kbuild options, and the
sha256 of each file. --check compares only when the installed headers and compiler are the
recorded ones, and says what it skipped and why. Exit status: 0 ok, 1 mismatch or build
failure, 2 bad usage or nothing could be checked.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_manifest import load_manifest, sha256_of, write_manifest  # noqa: E402
from kemu.toolchain import linux_headers, linux_kbuild  # noqa: E402
from kemu.toolchain.cc import ToolchainError  # noqa: E402

GUEST_DIR = Path("guest/linux")
FIXTURE_DIR = Path("fixtures/linux")
ARCHES = ("x86_64", "i386")


@dataclass(frozen=True)
class Module:
    """One fixture module: its name (the .ko stem), sources and kbuild options."""

    name: str
    sources: tuple[str, ...]                       # relative to guest/linux
    extra_symbols: tuple[str, ...] = ()            # names of fixture modules whose symvers it needs
    allow_undefined: bool = False
    write_symvers: bool = False
    shows: str = ""

    def options(self) -> dict:
        return {
            "extra_symbols": [f"{n}.symvers" for n in self.extra_symbols],
            "allow_undefined": self.allow_undefined,
            "write_symvers": self.write_symvers,
        }


MODULES: tuple[Module, ...] = (
    Module("hello", ("hello/hello.c",), shows="printk at KERN_ALERT in init and exit"),
    Module("fibo", ("fibo/cdev_main.c", "fibo/fibo_ops.c"),
           shows="alloc_chrdev_region + cdev_add + class/device_create; full file_operations"),
    Module("fibo_chrdev", ("fibo/chrdev_main.c", "fibo/fibo_ops.c"), shows="register_chrdev variant"),
    Module("echo_misc", ("misc/echo_misc.c",), shows="misc_register; __ex_table from unsafe_put_user"),
    Module("params", ("params/params.c",), shows="module_param int/charp/bool/array; WARN; pr_debug"),
    Module("proc_seq", ("proc/proc_seq.c",), shows="proc_create with seq_operations and single_open"),
    Module("stack_base", ("stack/stack_base.c",), write_symvers=True,
           shows="EXPORT_SYMBOL and EXPORT_SYMBOL_GPL (functions and a variable)"),
    Module("stack_user", ("stack/stack_user.c",), extra_symbols=("stack_base",),
           shows="uses stack_base's exports"),
    Module("stack_proprietary", ("stack/stack_proprietary.c",), allow_undefined=True,
           shows="non-GPL module trying a GPL-only export"),
    Module("noexit", ("noexit/noexit.c",), shows="no module_exit"),
    Module("initfail", ("initfail/initfail.c",), shows="init returns -ENODEV"),
    Module("timers", ("timers/timers.c",), shows="timer_list, workqueue, delayed_work, msleep, jiffies"),
    Module("bugs", ("bugs/bugs.c",), shows="WARN_ON, WARN_ONCE and BUG_ON (__bug_table)"),
    Module("uaccess", ("uaccess/uaccess.c",), shows="unsafe_get_user/unsafe_put_user and an EFAULT_REG load (__ex_table fixups)"),
    Module("waitq", ("waitq/waitq.c",), shows="wait_event_timeout and wait_for_completion_timeout woken by a timer and work"),
    Module("initmem", ("initmem/initmem.c",), shows="reads its __initdata after init (freed: faults)"),
    Module("percpu", ("percpu/percpu.c",), shows="DEFINE_PER_CPU in a module: this_cpu_inc/add/read, this_cpu_ptr, per_cpu"),
    Module("extypes", ("extypes/extypes.c",), shows="load_unaligned_zeropad (EX_TYPE_ZEROPAD) and the RDMSR/RDMSR_SAFE fixup types"),
    Module("woken", ("woken/woken.c",), shows="wait_woken loop with woken_wake_function, woken by a timer"),
    Module("kemu_sysfs", ("sysfs/kemu_sysfs.c",), shows="kobject_create_and_add under kernel_kobj, sysfs_create_file, a named attribute group with is_visible"),
    Module("kemu_ioctl", ("ioctl/kemu_ioctl.c",), shows="misc device with _IO/_IOR/_IOW/_IOWR ioctls, copy_to/from_user, -ENOTTY"),
    Module("objects", ("objects/objects.c",), shows="kref, list_head, idr_alloc/find/remove/for_each, a periodic hrtimer"),
    Module("buses", ("buses/buses.c",),
           shows="platform/PCI/I2C drivers, platform devices probed and removed, a bus of its own, driver attrs"),
    Module("tasklet", ("tasklet/tasklet.c",), shows="tasklet_setup/tasklet_init, (hi_)schedule run on the next softirq, disable/enable, tasklet_kill"),
    Module("kworker", ("kworker/kworker.c",), shows="kthread_create_worker, kthread work and delayed work, alloc_percpu"),
    Module("netreg", ("netreg/netreg.c",),
           shows="netdevice notifier, pernet subsys with net_generic storage, genl family with mcast groups, dev_add_pack"),
    Module("pinfs", ("pinfs/pinfs.c",),
           shows="a pseudo filesystem mounted in the kernel with simple_pin_fs: get_tree_single, new_inode, d_make_root, d_alloc_name/d_add, simple_unlink, kill_litter_super"),
    Module("kthread", ("kthread/kthread.c",),
           shows="kernel threads: kthread_create/kthread_run, kthread_bind, set_user_nice, a thread woken from a wait queue that counts and completes, one sleeping on the clock, kthread_stop"),
)


def compiler_version() -> str:
    """gcc-12's identity line, as kbuild runs it."""
    done = subprocess.run([linux_kbuild.COMPILER, "--version"], capture_output=True, text=True)
    return done.stdout.splitlines()[0].strip() if done.returncode == 0 else ""


def build_arch(arch: str, out: Path, modules: tuple[Module, ...]) -> dict[str, str]:
    """Build `modules` for `arch` into out/<arch>; returns failures (name -> kbuild output)."""
    (out / arch).mkdir(parents=True, exist_ok=True)
    failures = {}
    for module in modules:
        request = linux_kbuild.KbuildRequest(
            arch=arch,
            sources=tuple(ROOT / GUEST_DIR / s for s in module.sources),
            output=out / arch / f"{module.name}.ko",
            extra_symbols=tuple(out / arch / f"{n}.symvers" for n in module.extra_symbols),
            allow_undefined=module.allow_undefined,
            write_symvers=out / arch / f"{module.name}.symvers" if module.write_symvers else None,
        )
        result = linux_kbuild.build_module(request, cwd=ROOT)
        if not result.ok:
            failures[module.name] = result.stderr
    return failures


def _with_dependencies(names: set[str]) -> tuple[Module, ...]:
    wanted = set(names)
    for module in MODULES:
        if module.name in wanted:
            wanted.update(module.extra_symbols)
    return tuple(m for m in MODULES if m.name in wanted)


def build_all(out: Path, modules: tuple[Module, ...] = MODULES) -> dict[str, str]:
    """Both arches in parallel (each arch's modules in order: stack_user needs stack_base)."""
    with ThreadPoolExecutor(max_workers=len(ARCHES)) as pool:
        results = list(pool.map(lambda arch: build_arch(arch, out, modules), ARCHES))
    return {f"{arch}/{name}": log for arch, failed in zip(ARCHES, results) for name, log in failed.items()}


def manifest(out: Path) -> dict:
    """MANIFEST.json for the files in `out`."""
    files = {}
    for arch in ARCHES:
        headers = linux_headers.header_set(arch)
        for module in MODULES:
            ko = out / arch / f"{module.name}.ko"
            files[f"{arch}/{module.name}.ko"] = {
                "sources": [str(GUEST_DIR / s) for s in module.sources],
                "arch": arch,
                "release": headers.release,
                "kbuild": module.options(),
                "shows": module.shows,
                "sha256": sha256_of(ko),
            }
            if module.write_symvers:
                symvers = out / arch / f"{module.name}.symvers"
                files[f"{arch}/{module.name}.symvers"] = {"from": f"{arch}/{module.name}.ko",
                                                          "sha256": sha256_of(symvers)}
    return {
        "target": "linux",
        "generator": "tools/build_linux_fixtures.py",
        "rebuild": "python3 tools/build_linux_fixtures.py",
        "check": "python3 tools/build_linux_fixtures.py --check",
        "compiler": compiler_version(),
        "kernel_abi": linux_headers.ABI,
        "headers": {arch: {"package": linux_headers.header_set(arch).apt_name,
                           "debian_version": linux_headers.DEBIAN_VERSION,
                           "release": linux_headers.header_set(arch).release} for arch in ARCHES},
        "command": "make -C <headers> M=<scratch>/<name> KCFLAGS=-ffile-prefix-map=<scratch>/<name>/= modules",
        "files": files,
    }


def check(only: set[str] | None) -> int:
    """Rebuild into a scratch directory and compare against the manifest."""
    recorded = load_manifest(ROOT / FIXTURE_DIR)
    problems = []
    if compiler_version() != recorded["compiler"]:
        print(f"skipped: compiler is {compiler_version()!r}, fixtures were built by {recorded['compiler']!r}")
        return 2
    for arch in ARCHES:
        try:
            linux_kbuild.locate_headers(arch)
        except ToolchainError as exc:
            print(f"skipped: {exc}")
            return 2
    modules = MODULES if only is None else _with_dependencies(only)
    with tempfile.TemporaryDirectory(prefix="kemu-linux-fixtures-") as scratch:
        out = Path(scratch)
        failures = build_all(out, modules)
        for name, log in failures.items():
            problems.append(f"{name}: build failed:\n{log}")
        for module in modules:
            if only is not None and module.name not in only:
                continue
            for arch in ARCHES:
                for suffix in (".ko", ".symvers") if module.write_symvers else (".ko",):
                    rel = f"{arch}/{module.name}{suffix}"
                    built = out / rel
                    if not built.is_file():
                        continue
                    if sha256_of(built) != recorded["files"][rel]["sha256"]:
                        problems.append(f"{rel}: rebuilt file differs from the committed one")
                    else:
                        print(f"ok {rel}")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="rebuild into a temp dir and compare sha256")
    parser.add_argument("--only", help="comma-separated module names (with --check)")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    if only is not None:
        unknown = only - {m.name for m in MODULES}
        if unknown:
            parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
    if args.check:
        return check(only)
    if only is not None:
        parser.error("--only goes with --check (a rebuild writes every fixture and the manifest)")
    out = ROOT / FIXTURE_DIR
    try:
        failures = build_all(out)
    except ToolchainError as exc:
        print(f"build_linux_fixtures: {exc}", file=sys.stderr)
        return 2
    for name, log in failures.items():
        print(f"{name}: build failed:\n{log}", file=sys.stderr)
    if failures:
        return 1
    path = write_manifest(out, manifest(out))
    print(f"wrote {sum(1 for _ in out.rglob('*.ko'))} modules and {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
