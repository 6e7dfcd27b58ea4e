"""Coverage tracefile and run report for a whole run: one or more systems, then two files.

`kemu shell`, `kemu trace` and the pytest plugin share this: `attach(system, name)` starts a
CoverageRecorder and a RunRecorder on a booted system, `detach(system)` stops them and keeps
its coverage (merged with the other systems') and its report section, and `write()` writes
the lcov tracefile and the JSON report and returns the per-file coverage summary. Paths are
checked when the run starts (`check_paths`), so a typo does not cost the run.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:                        # imported when used: a run without outputs never needs them
    from .coverage import CoverageRecorder
    from .run_report import RunRecorder
    from .lcov import Coverage


class OutputPathError(Exception):
    """An output file that cannot be written; the message names the option and the path."""


class RunOutputs:
    def __init__(self, tool: str, *, coverage_path: str | None = None, report_path: str | None = None,
                 test_name: str = "kemu") -> None:
        self.tool = tool
        self.coverage_path = coverage_path
        self.report_path = report_path
        self.test_name = test_name
        self._coverage: Coverage | None = None
        self.sections: list[dict] = []
        self._attached: dict[int, tuple[CoverageRecorder | None, RunRecorder | None]] = {}
        self.without_lines: set[str] = set()
        self.summary_text = ""                  # what write() returned, for a later display

    @property
    def coverage(self) -> Coverage:
        """The coverage merged from every detached system (made when first asked for)."""
        if self._coverage is None:
            from .lcov import Coverage
            self._coverage = Coverage()
        return self._coverage

    @property
    def active(self) -> bool:
        return bool(self.coverage_path or self.report_path)

    def check_paths(self) -> None:
        """OutputPathError when an output's directory is missing or the path is a directory."""
        for option, path in (("--coverage", self.coverage_path), ("--report", self.report_path)):
            if path is None:
                continue
            folder = os.path.dirname(os.path.abspath(path))
            if os.path.isdir(path):
                raise OutputPathError(f"{option} {path}: is a directory")
            if not os.path.isdir(folder):
                raise OutputPathError(f"{option} {path}: no such directory {folder}")

    def attach(self, system: Any, system_name: str, name: str | None = None) -> None:
        """Start recording on `system` (booted as `system_name`)."""
        if not self.active:
            self._attached[id(system)] = (None, None)
            return
        from .coverage import CoverageRecorder
        from .run_report import RunRecorder
        kernel = system.kernel
        cov = CoverageRecorder(kernel).start() if self.coverage_path or self.report_path else None
        rep = RunRecorder(kernel, system_name, coverage=cov, name=name).start() if self.report_path else None
        self._attached[id(system)] = (cov, rep)

    def detach(self, system: Any) -> None:
        """Stop recording on `system`; keep its coverage and report section."""
        cov, rep = self._attached.pop(id(system), (None, None))
        if rep is not None:
            rep.stop()
        if cov is not None:
            self.coverage.merge(cov.stop())
            self.without_lines.update(cov.without_lines())
        if rep is not None:
            self.sections.append(rep.section())

    def detach_all(self, systems: list[Any]) -> None:
        for system in systems:
            self.detach(system)

    def write(self) -> str:
        """Write the files asked for; the coverage summary to show (empty without coverage).
        OutputPathError when a file cannot be written."""
        summary = ""
        if self.coverage_path:
            self._write(self.coverage_path, "--coverage", self.coverage.lcov_text(self.test_name))
            summary = self.coverage.summary()
            for name in sorted(self.without_lines):
                summary += f"{name}: no line information (build it with -g for line coverage)\n"
        if self.report_path:
            import json

            from .run_report import report_document
            doc = report_document(self.tool, self.sections, self.coverage)
            self._write(self.report_path, "--report", json.dumps(doc, indent=1) + "\n")
        return summary

    @staticmethod
    def _write(path: str, option: str, text: str) -> None:
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise OutputPathError(f"{option} {path}: {exc.strerror or exc}") from None
