"""A decoded service call as a JSON-ready record: one spelling for `kemu trace --json` and
the run report (kemu.kernel.run_report), so both say the same thing about the same call.

A record names the service, each argument (name, value — the pointer itself for a string —
and C type, plus the text captured at the call and whether it was cut short), the result,
the fault that made the service fail, and the strace-style line (`text`).
"""
from __future__ import annotations

from typing import Any


def argument_record(call: Any, name: str, value: int, ctype: str, string_limit: int | None = None) -> dict:
    """One argument; a string captured at the call keeps at most `string_limit` bytes
    (bytes shown as latin-1 code points)."""
    arg: dict[str, Any] = {"name": name, "value": value, "type": ctype}
    captured = call.string(name) if hasattr(call, "string") else None
    if captured is not None:
        data, truncated = captured
        if string_limit is not None and len(data) > string_limit:
            data, truncated = data[:string_limit], True
        arg["string"] = data.decode("latin-1")
        arg["truncated"] = truncated
    return arg


def call_record(call: Any, string_limit: int | None = None) -> dict:
    """The whole call: {"name", "args", "result", "text"} and "fault" when there was one."""
    record: dict[str, Any] = {"name": call.name,
                              "args": [argument_record(call, n, v, t, string_limit) for n, v, t in call.args],
                              "result": call.result, "text": call.format()}
    if getattr(call, "fault", None):
        record["fault"] = call.fault
    return record
