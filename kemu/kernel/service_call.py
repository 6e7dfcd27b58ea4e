"""`ServiceCall`: one completed service call as the trace shows it (`uiomove(buf=0xc1002010,
n=4, uio=0xc0ff7e80) = 0`).

The trace ring stores calls raw and decodes them into these only when someone reads the trace
(`kemu trace`, the debugger, tests), so the record lives apart from service.py: a run nobody
traces never imports it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .trace_strings import c_string_literal


@dataclass(frozen=True)
class ServiceCall:
    """One completed service call, decoded: `args` holds (name, value, C type) triples;
    `strings` the (name, bytes, truncated) text of string arguments captured at the call
    (only while the trace was watched)."""

    name: str
    args: tuple[tuple[str, int, str], ...]
    result: int | None
    variadic: bool = False
    fault: str | None = None       # the memory fault that made the service return EFAULT
    ret_type: str = "int"
    strings: tuple[tuple[str, bytes, bool], ...] = ()

    def string(self, name: str) -> tuple[bytes, bool] | None:
        """(text, truncated) captured for argument `name`, or None."""
        for n, data, truncated in self.strings:
            if n == name:
                return data, truncated
        return None

    def format(self) -> str:
        shown = {n: c_string_literal(data, truncated) for n, data, truncated in self.strings}
        parts = [f"{n}={shown[n] if n in shown else _fmt_value(v, t)}" for n, v, t in self.args]
        if self.variadic:
            parts.append("...")
        text = f"{self.name}({', '.join(parts)})"
        if self.ret_type != "void":
            text += f" = {_fmt_value(self.result, self.ret_type)}"
        if self.fault:
            text += f" [fault: {self.fault}]"
        return text

    __str__ = format


def _fmt_value(value: int | None, ctype: str) -> str:
    if value is None:
        return "void" if ctype == "void" else "0"
    if ctype.endswith("*") or "(*)" in ctype or ctype in ("caddr_t", "c_caddr_t"):
        return f"{value:#x}"
    return str(value)
