"""The end of a corpus run: the outcome table, the blocker ranking, the JSON file.

Everything here is a function of the records sorted by path, so two runs over the same
corpus print the same text (the timing line aside)."""
from __future__ import annotations

import json
from collections import Counter

from .outcome import INIT_FINISHED, INIT_OK, OUTCOMES, fallback_kind

KINDS = ("real", "bound", "called")
KIND_HEADINGS = {"real": "no stub", "bound": "stubs linked", "called": "stubs called"}


def sort_records(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda r: (r["path"], r["module"]))


def table(records: list[dict], *, title: str = "") -> str:
    """Outcome classes with counts and percentages, split by how much the module leaned on
    the generic fallback stubs, then the headline rates."""
    total = len(records)
    counts = Counter(r["outcome"] for r in records)
    split = Counter((r["outcome"], fallback_kind(r)) for r in records)
    width = max([len(o) for o in OUTCOMES] + [7])
    head = f"{'outcome':<{width}}  {'modules':>7}  {'%':>6}  " + "  ".join(f"{KIND_HEADINGS[k]:>12}" for k in KINDS)
    lines = [title] if title else []
    lines += [head, "-" * len(head)]
    for outcome in OUTCOMES:
        n = counts.get(outcome, 0)
        if not n:
            continue
        cells = "  ".join(f"{split.get((outcome, k), 0):>12}" for k in KINDS)
        lines.append(f"{outcome:<{width}}  {n:>7}  {_pct(n, total):>6}  {cells}")
    lines.append("-" * len(head))
    kinds = Counter(fallback_kind(r) for r in records)
    cells = "  ".join(f"{kinds.get(k, 0):>12}" for k in KINDS)
    lines.append(f"{'total':<{width}}  {total:>7}  {_pct(total, total):>6}  {cells}")
    linked = sum(1 for r in records if r["outcome"] not in ("link failed", "dependency failed",
                                                            "refused (vermagic/modversions)")
                 or (r["outcome"] == "dependency failed" and "link failed" not in r["detail"]))
    finished = sum(1 for r in records if r["outcome"] in INIT_FINISHED)
    clean = counts.get(INIT_OK, 0)
    lines.append("")
    stubbed = " (fallback stubs standing in for missing functions)" if kinds.get("bound") or kinds.get("called") else ""
    lines.append(f"linked with their dependencies{stubbed}: {linked}/{total} ({_pct(linked, total)}); "
                 f"init finished without oops or timeout: {finished}/{total} ({_pct(finished, total)}); "
                 f"init 0 + clean unload + no leak: {clean}/{total} ({_pct(clean, total)})")
    return "\n".join(lines)


def ranking(records: list[dict], top: int = 20) -> str:
    """Kernel services whose absence or failure blocked the most modules."""
    counts = Counter(name for r in records for name in r.get("blockers", ()))
    if not counts:
        return "no blocking kernel services"
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    width = max(len(n) for n, _ in ranked)
    lines = [f"kernel services blocking the most modules (top {len(ranked)}):"]
    lines += [f"  {name:<{width}}  {n:>6} module{'s' if n != 1 else ''}" for name, n in ranked]
    return "\n".join(lines)


def write_json(records: list[dict], path: str, **meta) -> None:
    """{"meta": {...}, "modules": [one record per module, sorted by path]}."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "modules": sort_records(records)}, f, indent=1, sort_keys=True)
        f.write("\n")


def _pct(n: int, total: int) -> str:
    return f"{100.0 * n / total:.1f}%" if total else "-"
