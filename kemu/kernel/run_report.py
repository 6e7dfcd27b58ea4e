"""The run report: what a module did during one run, as one JSON document.

A `RunRecorder` watches one kernel from `start()` to `stop()` through the event sources
kemu already has — the loader's observers (each module placed and retired), the kernel's
trace ring (each service call, decoded as `kemu trace --json` decodes it:
kemu.kernel.trace_records), the machine's call observers (each guest call that ended in an
oops, with its symbolized backtrace) and, when one runs, a CoverageRecorder — and `section()`
gives one system's part of the document described in docs/run-report.md and
docs/run-report.schema.json. `report_document` wraps sections into the document.

The report is bounded whatever the module does: consecutive identical calls are one entry
with a `repeat` count, at most `max_calls` entries are kept (the rest are only counted, per
service, and the section says how many were left out), string arguments keep at most
`string_limit` bytes, at most `max_oopses` oops reports, MAX_MODULES modules and MAX_LEAKS
leaked blocks are listed (the rest counted). A module that is gone is kept as its record, not
as the module: the report holds no object or image.
"""
from __future__ import annotations

import hashlib
from typing import Any

from .errors import KernelPanic
from .trace_records import call_record

SCHEMA_ID = "urn:kemu:run-report:1"
FORMAT = "kemu-run-report"
VERSION = 1
MAX_CALLS = 10_000
MAX_OOPSES = 100
MAX_MODULES = 1000        # module entries kept (a console loading and unloading for hours)
MAX_LEAKS = 1000
STRING_LIMIT = 256


class RunRecorder:
    """Records one kernel's run for the report (see the module docstring)."""

    def __init__(self, kernel: Any, system: str, *, coverage: Any = None, name: str | None = None,
                 max_calls: int = MAX_CALLS, max_oopses: int = MAX_OOPSES,
                 string_limit: int = STRING_LIMIT) -> None:
        self.kernel = kernel
        self.machine = kernel.machine
        self.system = system
        self.name = name
        self.coverage = coverage
        self.max_calls = max_calls
        self.max_oopses = max_oopses
        self.string_limit = string_limit
        self.modules: list[Any] = []           # LoadedModule while loaded, its record once gone
        self.modules_seen = 0
        self.leaks: list[dict] = []
        self.leaks_seen = 0
        self._retiring: Any = None             # the module being retired (leaks known after)
        self.calls: list[dict] = []
        self.calls_seen = 0
        self.calls_left_out = 0
        self.per_service: dict[str, dict[str, int]] = {}
        self.entries: dict[str, dict[str, int]] = {}   # module function the kernel called -> counts
        self._open: list[str | None] = []
        self.oopses: list[dict] = []
        self.oopses_seen = 0
        self._last_key: tuple | None = None
        self._last_error: BaseException | None = None
        self._unobserve = None
        self.started = False

    # --- life ------------------------------------------------------------------------------
    def start(self) -> "RunRecorder":
        if not self.started:
            self.started = True
            for m in self.kernel.loader.modules:
                if m not in self.modules:
                    self.module_placed(m)
            self.kernel.loader.observers.append(self)
            self.machine.call_observers.append(self)
            self._unobserve = self.kernel.trace.observe(self._on_call)
        return self

    def stop(self) -> None:
        self._settle()
        if self.started:
            self.started = False
            for observers in (self.kernel.loader.observers, self.machine.call_observers):
                if self in observers:
                    observers.remove(self)
            if self._unobserve is not None:
                self._unobserve()

    # --- loader observer -------------------------------------------------------------------
    def module_placed(self, module: Any) -> None:
        self.modules_seen += 1
        if len(self.modules) < MAX_MODULES:
            self.modules.append(module)

    def module_retiring(self, module: Any) -> None:
        """Keep its record (its leaks are known once `retire` ends: `_settle` takes them)."""
        self._settle()
        self._retiring = module

    def _settle(self) -> None:
        """Turn the module last retired into records: its entry and the blocks it leaked."""
        module, self._retiring = self._retiring, None
        if module is None:
            return
        for i, m in enumerate(self.modules):
            if m is module:
                self.modules[i] = module_record(module, False)
        for leak in leak_records(module):
            self.leaks_seen += 1
            if len(self.leaks) < MAX_LEAKS:
                self.leaks.append(leak)

    # --- service calls ---------------------------------------------------------------------
    def _on_call(self, call: Any) -> None:
        self.calls_seen += 1
        totals = self.per_service.setdefault(call.name, {"calls": 0, "faults": 0})
        totals["calls"] += 1
        if call.fault:
            totals["faults"] += 1
        key = (call.name, call.args, call.result, call.fault, call.strings)
        if key == self._last_key and self.calls:
            self.calls[-1]["repeat"] = self.calls[-1].get("repeat", 1) + 1
            return
        self._last_key = key
        if len(self.calls) >= self.max_calls:
            self.calls_left_out += 1
            return
        self.calls.append(call_record(call, self.string_limit))

    # --- machine call observer: oopses -------------------------------------------------------
    def call_entered(self, addr: int, args: tuple[int, ...]) -> None:
        """A guest call starts: when it enters module code, count it by function."""
        module = self.kernel.loader.module_at(addr)
        name = None
        if module is not None:
            name = self.machine.symbolize(addr)
            self.entries.setdefault(name, {"calls": 0, "failed": 0})["calls"] += 1
        self._open.append(name)

    def call_left(self, addr: int, result: int | None, error: BaseException | None) -> None:
        name = self._open.pop() if self._open else None
        if name is not None and error is not None:
            self.entries[name]["failed"] += 1
        if error is None or error is self._last_error:
            return                              # an outer call sees the same error again
        self._last_error = error
        oops = getattr(error, "oops", None)
        kind = type(error).__name__
        if oops is None and not isinstance(error, KernelPanic):
            return                              # not a crash of guest code (a Python error)
        self.oopses_seen += 1
        if len(self.oopses) >= self.max_oopses:
            return
        record: dict[str, Any] = {"error": kind, "entry": self.machine.symbolize(addr),
                                  "message": str(error).splitlines()[0] if str(error) else kind}
        if oops is not None:
            sources = list(oops.frame_sources) + [""] * len(oops.backtrace)
            record.update({
                "kind": oops.kind, "pc": oops.pc, "symbol": oops.pc_symbol,
                "source": oops.pc_source or None, "fault_address": oops.fault_address,
                "access": oops.access,
                "backtrace": [{"address": a, "symbol": sym, "reliable": ok, "source": src or None}
                              for (a, sym, ok), src in zip(oops.backtrace, sources)],
                "call_chain": list(oops.call_chain), "text": oops.text})
        else:
            record["kind"] = "panic"
        self.oopses.append(record)

    # --- the document ----------------------------------------------------------------------
    def section(self) -> dict:
        """This system's part of the report (docs/run-report.md)."""
        self._settle()
        live = set(id(m) for m in self.kernel.loader.modules)
        out: dict[str, Any] = {
            "system": self.system, "arch": self.machine.arch,
            "modules": [m if isinstance(m, dict) else module_record(m, id(m) in live) for m in self.modules],
            "modules_total": self.modules_seen,
            "calls": list(self.calls),
            "calls_total": self.calls_seen,
            "calls_left_out": self.calls_left_out,
            "calls_truncated": self.calls_left_out > 0,
            "max_calls": self.max_calls,
            "services": {name: dict(t) for name, t in sorted(self.per_service.items())},
            "entry_points": {name: dict(t) for name, t in sorted(self.entries.items())},
            "oopses": list(self.oopses),
            "oopses_total": self.oopses_seen,
            "leaks": list(self.leaks),
            "leaks_total": self.leaks_seen,
        }
        if self.name is not None:
            out["name"] = self.name
        if self.coverage is not None:
            out["coverage"] = self.coverage.totals()
        return out


def module_record(module: Any, live: bool) -> dict:
    """Name, file, sha256, where it was and each section placed."""
    image = module.image
    record = {
        "name": module.name, "file": module.path,
        "sha256": hashlib.sha256(module.obj.data).hexdigest(),
        "base": module.base, "size": module.size, "serial": module.serial,
        "state": module.state.value if live else "gone",
        "sections": [{"name": p.name, "address": p.addr, "size": p.size} for p in image.placements],
        "missing_symbols": list(module.missing_symbols),
    }
    if not live:
        record["left_behind"] = list(module.left_behind)
        record["leaked_blocks"] = len(module.leaked)
    return record


def leak_records(module: Any) -> list[dict]:
    """The heap blocks a retired module never freed, each with where it was allocated."""
    out = []
    for a in module.leaked:
        where = module.image.symbolize(a.caller) if a.caller is not None else None
        out.append({"module": module.name, "address": a.addr, "size": a.size, "tag": a.tag,
                    "caller": a.caller,
                    "caller_symbol": (where[0] if not where[1] else f"{where[0]}+{where[1]:#x}") if where else None})
    return out


def report_document(tool: str, sections: list[dict], coverage: Any = None) -> dict:
    """The whole report: which tool made it, one section per system run, and the coverage
    totals over all of them (when coverage was recorded)."""
    doc: dict[str, Any] = {"$schema": SCHEMA_ID, "format": FORMAT, "version": VERSION,
                           "tool": tool, "runs": sections}
    if coverage is not None:
        doc["coverage"] = coverage.totals()
    return doc
