"""What happened to one module of a corpus run, and the one function that names it.

A trial (trial.py) gathers facts — what insmod said, whether the link succeeded, the oops,
what rmmod left behind — into a `Trial`; `classify` turns those facts into one outcome
class and a short detail, with no emulation involved, so it can be tested on synthetic
facts. `blockers` names the kernel services a failed module points at (the ranking of what
kemu should implement next)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# outcome classes, in the order the table lists them
LINK_FAILED = "link failed"
REFUSED = "refused (vermagic/modversions)"
DEPENDENCY_FAILED = "dependency failed"
INIT_OK = "init returned 0, clean unload"
INIT_OK_PERMANENT = "init returned 0, no exit (stays loaded)"
LEAKED = "init returned 0, leaked at unload"
EXIT_OOPS = "init returned 0, oops in exit"
INIT_ERROR = "init returned an error"
OOPS = "oops in init"
TIMEOUT = "budget/time exhausted"
WORKER_LOST = "worker crashed"

OUTCOMES = (INIT_OK, INIT_OK_PERMANENT, LEAKED, EXIT_OOPS, INIT_ERROR, OOPS, TIMEOUT,
            REFUSED, LINK_FAILED, DEPENDENCY_FAILED, WORKER_LOST)
#: outcomes where init ran to its end without an oops or timeout
INIT_FINISHED = (INIT_OK, INIT_OK_PERMANENT, LEAKED, EXIT_OOPS, INIT_ERROR)

_UNKNOWN_SYMBOL = re.compile(r": Unknown symbol (\S+) \(err (-?\d+)\)")
_DISAGREES = re.compile(r": disagrees about version of symbol (\S+)")
_VERMAGIC = re.compile(r": version magic '.*' should be '.*'")
_OOPS_AT = re.compile(r"^\s*at (0x[0-9a-f]+)(?: <([^>]+)>)?", re.M)
_OOPS_HEAD = re.compile(r"^kemu oops: (.*)$", re.M)


@dataclass
class Trial:
    """The facts one run of a module gathered (see trial.py)."""
    error: str | None = None            # errno name insmod failed with (None: it loaded)
    messages: list[str] = field(default_factory=list)   # kernel messages during its insmod
    linked: bool = False                # the link succeeded (the module was placed)
    crash: str = ""                     # oops text of a crash in init
    exit_crash: str = ""                # oops text of a crash in exit
    unload_error: str = ""              # rmmod's refusal
    has_exit: bool = True
    leaks: int = 0                      # heap blocks left allocated after the unload
    dependency: str = ""                # the dependency that failed to load (its module name)
    dependency_outcome: str = ""
    dependency_blockers: list[str] = field(default_factory=list)
    last_service: str = ""              # the last kernel service called before the failure
    fallback: list[str] = field(default_factory=list)   # lenient stubs called (names, once each)
    stubbed: list[str] = field(default_factory=list)    # imports bound to lenient stubs
    worker_lost: str = ""               # the worker process died or was killed: why


def classify(t: Trial) -> tuple[str, str]:
    """(outcome class, detail) for the facts of one trial."""
    if t.worker_lost:
        timed_out = "timeout" in t.worker_lost
        return (TIMEOUT if timed_out else WORKER_LOST), t.worker_lost
    if t.dependency:
        return DEPENDENCY_FAILED, f"{t.dependency}: {t.dependency_outcome}"
    if t.error is not None:
        if t.crash:
            where = oops_where(t.crash)
            if t.error == "ETIMEDOUT":
                return TIMEOUT, f"init stopped at {where}" if where else "init stopped"
            return OOPS, where or first_line(t.crash)
        refused = [m for m in t.messages if _VERMAGIC.search(m) or _DISAGREES.search(m)]
        if refused:
            return REFUSED, refused[0].split("] ", 1)[-1]
        missing = unresolved(t.messages)
        if missing:
            return LINK_FAILED, "unresolved: " + " ".join(missing)
        if not t.linked:
            text = next((m.split("] ", 1)[-1] for m in t.messages if "kemu" in m or "reloc" in m),
                        t.messages[-1].split("] ", 1)[-1] if t.messages else t.error)
            return LINK_FAILED, text
        return INIT_ERROR, f"-{t.error}"
    if t.exit_crash:
        return EXIT_OOPS, oops_where(t.exit_crash) or first_line(t.exit_crash)
    if not t.has_exit:
        return INIT_OK_PERMANENT, ""
    if t.unload_error:
        return EXIT_OOPS, t.unload_error
    if t.leaks:
        return LEAKED, f"{t.leaks} allocation{'s' if t.leaks != 1 else ''}"
    return INIT_OK, ""


def blockers(outcome: str, t: Trial) -> list[str]:
    """The kernel services whose absence or failure the outcome points at (each once):
    unresolved symbols of a failed link, a failed dependency's blockers, the lenient stubs
    called, and for a crash or an error the last service called."""
    names: list[str] = []
    if outcome == LINK_FAILED:
        names += unresolved(t.messages)
    elif outcome == DEPENDENCY_FAILED:
        names += t.dependency_blockers
    elif outcome in (OOPS, TIMEOUT, INIT_ERROR, EXIT_OOPS, LEAKED):
        names += t.fallback
        if t.last_service and not t.fallback:
            names.append(t.last_service)
    return list(dict.fromkeys(names))


def fallback_kind(record: dict) -> str:
    """How much a module leaned on the generic fallback stubs: "real" (none bound), "bound"
    (linked against some, called none), "called" (its run reached at least one)."""
    if record.get("fallback"):
        return "called"
    return "bound" if record.get("stubbed") else "real"


def unresolved(messages: list[str]) -> list[str]:
    """Symbols load_module reported as unknown, in its order."""
    return [m.group(1) for m in map(_UNKNOWN_SYMBOL.search, messages) if m]


def oops_where(report: str) -> str:
    """`symbol+0xoff (what happened)` of an oops text, or ''."""
    at, head = _OOPS_AT.search(report), _OOPS_HEAD.search(report)
    if at is None:
        return ""
    where = at.group(2) or at.group(1)
    return f"{where}: {head.group(1)}" if head else where


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
