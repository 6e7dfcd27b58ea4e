"""One module of a corpus, in a kernel of its own: modprobe, init, rmmod, classify.

`run_module(task)` is the unit of work every executor (local processes, Dask) runs: it
boots a fresh Linux kernel, loads the module's dependencies right to left as modprobe does
with a modules.dep line, loads the module (its init runs inside insmod), then removes it
and its dependencies as `modprobe -r` would, and returns a JSON-ready record. Everything
is a function of the task: the kernel's clock is virtual and nothing reads host time or
randomness into the guest, so the same task gives the same record."""
from __future__ import annotations

import functools
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

from .outcome import DEPENDENCY_FAILED, Trial, blockers, classify


@dataclass
class Task:
    """What to run: `path` (relative to `tree`) after `chain` (dependencies, load order)."""
    tree: str
    path: str
    chain: list[str] = field(default_factory=list)
    arch: str = "x86_64"
    lenient: bool = False
    call_timeout: float = 5.0

    @property
    def name(self) -> str:
        from ..insmod import module_name_of
        return module_name_of(self.path)


def run_module(task: Task | dict) -> dict:
    """The record of one module (see `record`)."""
    if isinstance(task, dict):
        task = Task(**task)
    started = time.perf_counter()
    import kemu
    system = kemu.boot("linux", task.arch, call_timeout=task.call_timeout)
    system.corpus_tree = task.tree          # where the crypto API finds "crypto-NAME" (crypto_lookup.py)
    warm_tree_index(task.tree)              # read before any guest call runs against its time limit
    system.modprobe_lenient = task.lenient  # a requested module is loaded as the trial's are
    trial, services = Trial(), Counter()
    loaded: list[str] = []
    for dep in task.chain:                  # deepest first
        facts = _insmod(system, task, dep, services)
        if facts.error is not None:
            outcome, detail = classify(facts)
            trial.dependency = _name(dep)
            trial.dependency_outcome = f"{outcome}" + (f" ({detail})" if detail else "")
            trial.dependency_blockers = blockers(outcome, facts)
            trial.fallback = facts.fallback
            trial.stubbed = facts.stubbed
            break
        trial.stubbed += facts.stubbed
        loaded.append(dep)
    else:
        facts = _insmod(system, task, task.path, services)
        facts.stubbed = sorted(set(trial.stubbed + facts.stubbed))
        trial = facts
        if facts.error is None:
            _unload(system, task, trial, services)
    for dep in reversed(loaded):            # modprobe -r: the module, then its dependencies
        try:
            system.rmmod(_name(dep))
        except Exception:
            pass
    outcome, detail = classify(trial)
    return record(task, trial, outcome, detail, services, time.perf_counter() - started)


def record(task: Task, trial: Trial, outcome: str, detail: str, services: Counter,
           seconds: float) -> dict:
    """One JSON record: module, outcome, detail, blockers, services called (name -> count),
    the lenient stubs it reached, the oops text."""
    return {
        "module": task.name, "path": task.path, "arch": task.arch,
        "dependencies": list(task.chain),
        "outcome": outcome, "detail": detail,
        "blockers": blockers(outcome, trial),
        "fallback": list(trial.fallback),
        "stubbed": list(trial.stubbed),
        "last_service": trial.last_service,
        "services": dict(sorted(services.items())),
        "oops": trial.crash or trial.exit_crash,
        "leaks": trial.leaks,
        "seconds": round(seconds, 3),
    }


def lost_record(task: Task | dict, why: str, seconds: float = 0.0) -> dict:
    """The record of a module whose worker died or was killed (`why`)."""
    if isinstance(task, dict):
        task = Task(**task)
    trial = Trial(worker_lost=why)
    outcome, detail = classify(trial)
    return record(task, trial, outcome, detail, Counter(), seconds)


def warm_tree_index(tree: str) -> None:
    """The tree's modules.dep and module aliases, read now (once per worker process)."""
    from ..services.kmod_request import aliases_of
    aliases_of(tree, tree_index(tree))


@functools.lru_cache(maxsize=2)
def tree_index(tree: str) -> str:
    """The tree's modules.dep, once per worker process. Only the crypto API's own lookups
    use it (an algorithm's module, as the kernel's crypto_larval_lookup requests it): a
    module's __request_module still finds nothing, because kemu runs request_module_nowait
    at once rather than after the caller's init, which makes a family's init load its own
    dependants mid-init (6lowpan's nhc modules)."""
    from .plan import _modules_dep_text
    return _modules_dep_text(tree, None)


def _name(path: str) -> str:
    from ..insmod import module_name_of
    return module_name_of(path)


def _insmod(system, task: Task, path: str, services: Counter) -> Trial:
    """Load one module file; the facts of that load."""
    from ..insmod import InsmodError
    kernel = system.kernel
    mark, trace_mark, missing_mark = len(system.dmesg()), len(kernel.trace), len(kernel.missing_calls)
    facts = Trial()
    try:
        system.insmod(os.path.join(task.tree, path), lenient=task.lenient, display=path)
    except InsmodError as exc:
        facts.error = exc.name
        facts.crash = exc.context if exc.name in ("EFAULT", "ETIMEDOUT", "EINTR") and exc.context else ""
        name = _name(path)                 # placed, then retired: the link had succeeded
        facts.linked = any(m.name == name for m in kernel.loader.retired)
    facts.messages = system.dmesg()[mark:].splitlines()
    names = _trace_names(kernel, trace_mark)
    services.update(names)
    facts.last_service = names[-1] if names else ""
    facts.fallback = list(dict.fromkeys(c.name for c in kernel.missing_calls[missing_mark:]))
    if task.lenient:
        name = _name(path)
        module = system.find_module(name) or next((m for m in reversed(kernel.loader.retired)
                                                   if m.name == name), None)
        if module is not None:
            facts.stubbed = kernel.lenient_imports(module.image)
    return facts


def _unload(system, task: Task, trial: Trial, services: Counter) -> None:
    """rmmod the module: an oops in exit, a refusal, leaked heap blocks go into `trial`."""
    from ..rmmod import RmmodError
    kernel, name = system.kernel, task.name
    mark, trace_mark, missing_mark = len(system.dmesg()), len(kernel.trace), len(kernel.missing_calls)
    module = system.find_module(name)
    trial.has_exit = bool(module is not None and module.os.get("has_exit", True))
    leaked_mark = len(system.leaked)
    if not trial.has_exit:
        return
    try:
        system.rmmod(name)
    except RmmodError as exc:
        trial.unload_error = exc.output.strip()
    text = system.dmesg()[mark:]
    if f"kemu: fault in {name}: exit" in text or f"{name}: exit did not return" in text:
        trial.exit_crash = text[text.find("kemu"):]
    trial.leaks = sum(1 for owner, _ in system.leaked[leaked_mark:] if owner == name)
    names = _trace_names(kernel, trace_mark)
    services.update(names)
    if names and (trial.exit_crash or trial.leaks):
        trial.last_service = names[-1]
    trial.fallback = list(dict.fromkeys(trial.fallback + [c.name for c in kernel.missing_calls[missing_mark:]]))


def _trace_names(kernel, mark: int) -> list[str]:
    """Names of the service calls recorded since the trace held `mark` entries (the ring
    keeps the last few thousand: a longer run is counted from what it kept)."""
    names = kernel.trace.names()
    if len(names) < kernel.trace.capacity:
        return names[mark:]
    return names


__all__ = ["Task", "run_module", "lost_record", "record", "DEPENDENCY_FAILED"]
