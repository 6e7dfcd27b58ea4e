"""Line, function and branch coverage per source file, and its lcov tracefile form.

The model is lcov's: for each source file the lines that hold code with how often each ran,
the functions with their first line and how often each was entered, and the outcomes of each
conditional branch. `Coverage.merge` adds counts, so runs of the same module (one per test,
several loads in one console) add up, as lcov's `--add-tracefile` does. `lcov_text` writes
the tracefile `genhtml` reads (TN, SF, FN, FNDA, FNF, FNH, BRDA, BRF, BRH, DA, LF, LH,
end_of_record); `parse_lcov` reads one back. Nothing here knows how the counts were taken.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: (line, block, branch) -> times taken, or None when the code holding the branch never ran
BranchKey = tuple[int, int, int]


@dataclass
class FileCoverage:
    """One source file's counts."""

    path: str
    lines: dict[int, int] = field(default_factory=dict)                 # line -> times run
    functions: dict[str, list[int]] = field(default_factory=dict)       # name -> [line, entries]
    branches: dict[BranchKey, int | None] = field(default_factory=dict)

    def merge(self, other: "FileCoverage") -> None:
        for line, count in other.lines.items():
            self.lines[line] = self.lines.get(line, 0) + count
        for name, (line, count) in other.functions.items():
            have = self.functions.get(name)
            if have is None:
                self.functions[name] = [line, count]
            else:
                have[1] += count
        for key, taken in other.branches.items():
            have = self.branches.get(key)
            self.branches[key] = taken if have is None else (have if taken is None else have + taken)

    @property
    def lines_found(self) -> int:
        return len(self.lines)

    @property
    def lines_hit(self) -> int:
        return sum(1 for c in self.lines.values() if c)

    @property
    def functions_found(self) -> int:
        return len(self.functions)

    @property
    def functions_hit(self) -> int:
        return sum(1 for _line, c in self.functions.values() if c)

    @property
    def branches_found(self) -> int:
        return len(self.branches)

    @property
    def branches_hit(self) -> int:
        return sum(1 for t in self.branches.values() if t)

    def hit_lines(self) -> set[int]:
        return {line for line, c in self.lines.items() if c}

    def missed_lines(self) -> set[int]:
        return {line for line, c in self.lines.items() if not c}


TOTAL_KEYS = ("lines_found", "lines_hit", "functions_found", "functions_hit",
              "branches_found", "branches_hit")


@dataclass
class Coverage:
    """Coverage of any number of source files, keyed by path."""

    files: dict[str, FileCoverage] = field(default_factory=dict)

    def file(self, path: str) -> FileCoverage:
        """The entry for `path`, made empty if new."""
        found = self.files.get(path)
        if found is None:
            found = self.files[path] = FileCoverage(path)
        return found

    def merge(self, other: "Coverage") -> "Coverage":
        for path, fc in other.files.items():
            self.file(path).merge(fc)
        return self

    def renamed(self, rename) -> "Coverage":
        """The same counts with each path replaced by `rename(path)` (files that end up with
        one name merge)."""
        out = Coverage()
        for path, fc in self.files.items():
            target = out.file(rename(path))
            target.merge(fc)
        return out

    def find(self, name: str) -> FileCoverage | None:
        """The file whose path is `name` or ends with `/name`."""
        for path, fc in self.files.items():
            if path == name or path.endswith("/" + name):
                return fc
        return None

    def totals(self) -> dict[str, int]:
        """Found and hit counts of lines, functions and branches over every file."""
        return {key: sum(getattr(fc, key) for fc in self.files.values()) for key in TOTAL_KEYS}

    def summary(self) -> str:
        """One line per file and a total, as `lcov --summary` reports them."""
        out = []
        for path in sorted(self.files):
            out.append(f"{path}: {_summary_counts(vars_of(self.files[path]))}")
        out.append(f"total: {_summary_counts(self.totals())}")
        return "\n".join(out) + "\n"

    def lcov_text(self, test_name: str = "") -> str:
        """The lcov tracefile: one record per file, sorted by path; lines, functions and
        branches in source order."""
        out = []
        for path in sorted(self.files):
            fc = self.files[path]
            out.append(f"TN:{_tn(test_name)}")
            out.append(f"SF:{path}")
            functions = sorted(fc.functions.items(), key=lambda kv: (kv[1][0], kv[0]))
            for name, (line, _count) in functions:
                out.append(f"FN:{line},{name}")
            for name, (_line, count) in functions:
                out.append(f"FNDA:{count},{name}")
            out.append(f"FNF:{fc.functions_found}")
            out.append(f"FNH:{fc.functions_hit}")
            for (line, block, branch), taken in sorted(fc.branches.items()):
                out.append(f"BRDA:{line},{block},{branch},{'-' if taken is None else taken}")
            out.append(f"BRF:{fc.branches_found}")
            out.append(f"BRH:{fc.branches_hit}")
            for line in sorted(fc.lines):
                out.append(f"DA:{line},{fc.lines[line]}")
            out.append(f"LF:{fc.lines_found}")
            out.append(f"LH:{fc.lines_hit}")
            out.append("end_of_record")
        return "\n".join(out) + ("\n" if out else "")


def vars_of(fc: FileCoverage) -> dict[str, int]:
    return {key: getattr(fc, key) for key in TOTAL_KEYS}


def _percent(hit: int, found: int) -> str:
    return f"{100.0 * hit / found:.1f}%" if found else "-"


def _summary_counts(t: dict[str, int]) -> str:
    return (f"lines {_percent(t['lines_hit'], t['lines_found'])} ({t['lines_hit']} of {t['lines_found']}), "
            f"functions {t['functions_hit']} of {t['functions_found']}, "
            f"branches {t['branches_hit']} of {t['branches_found']}")


def _tn(name: str) -> str:
    """A test name as lcov allows it: letters, digits and underscores."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)


class LcovError(ValueError):
    """A tracefile line kemu cannot read; the message names the line."""


def parse_lcov(text: str, source: str = "tracefile") -> Coverage:
    """Read an lcov tracefile (the records `lcov_text` writes; other record types are
    skipped). LcovError naming `source` and the line for a malformed one."""
    cov = Coverage()
    current: FileCoverage | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("TN:"):
            continue
        kind, _, rest = line.partition(":")
        try:
            if kind == "SF":
                current = cov.file(rest)
            elif kind == "end_of_record":
                current = None
            elif current is None:
                raise ValueError(f"{kind} outside a file record")
            elif kind == "DA":
                lno, count = rest.split(",")[:2]
                current.lines[int(lno)] = current.lines.get(int(lno), 0) + int(count)
            elif kind == "FN":
                parts = rest.split(",")
                current.functions.setdefault(parts[-1], [int(parts[0]), 0])
            elif kind == "FNDA":
                count, name = rest.split(",", 1)
                current.functions.setdefault(name, [0, 0])[1] += int(count)
            elif kind == "BRDA":
                lno, block, branch, taken = rest.split(",")
                key = (int(lno), int(block), int(branch))
                value = None if taken == "-" else int(taken)
                have = current.branches.get(key)
                current.branches[key] = value if have is None else (have if value is None else have + value)
        except ValueError as exc:
            raise LcovError(f"{source}: line {number}: cannot read {raw[:60]!r}: {exc}") from None
    return cov
