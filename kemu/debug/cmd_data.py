"""Data commands: print, output, set, info registers, info symbol, info address.

Values come from the expression evaluator (`expr`) and print in gdb's forms (`value_format`),
each `print` adding to the `$N` history. Registers print in gdb's two columns: raw hex, then
the natural reading (signed integer, pointer with its symbol, eflags as flag names).
"""
from __future__ import annotations

import re

from kemu.debug.command_table import CommandGroup, Handler, InfoHandler
from kemu.debug.commands import CommandError
from kemu.debug.panel import format_flags
from kemu.intbits import to_signed


class DataCommands(CommandGroup):

    def commands(self) -> dict[str, Handler]:
        return {"print": self.print_, "output": self.output, "set": self.set}

    def info_commands(self) -> dict[str, InfoHandler]:
        return {"registers": self.info_registers, "all-registers": self.info_registers,
                "symbol": self.info_symbol, "address": self.info_address}

    def print_(self, args: str, fmt: str) -> None:
        s = self.s
        if not args:
            if not s.history:
                raise CommandError("History is empty.")
            v = s.history[-1]
        else:
            v = s.evaluator.evaluate(args)
        text = s.format_value(v, fmt)
        s.history.append(v)
        s.say(f"${len(s.history)} = {text}")

    def output(self, args: str, fmt: str) -> None:
        v = self.s.evaluator.evaluate(args)
        self.s.out.write(self.s.format_value(v, fmt))
        self.s.out.flush()

    def set(self, args: str, fmt: str) -> None:
        text = re.sub(r"^(var|variable)\s+", "", args.strip())
        if text.startswith("context"):
            self.s.context = text.split()[-1] in ("on", "1", "yes")
            return
        if text.startswith("listsize") or text.startswith("pagination") or text.startswith("confirm"):
            return
        if "=" not in text:
            raise CommandError('A syntax error in expression, near `\'.')
        self.s.evaluator.evaluate(text)

    def info_registers(self, rest: str) -> None:
        s = self.s
        s.need_registers()
        names = rest.replace("$", "").split() or s.dbg.reg_names.info
        for n in names:
            real = s.dbg.reg_names.alias(n)
            try:
                v = s.m.regs.read(real)
            except Exception:
                raise CommandError(f"Invalid register `{n}'") from None
            s.say(self._register_line(real, v))

    def _register_line(self, name: str, v: int) -> str:
        label = self.s.symbols.label
        if name in ("eip", "rip"):
            natural = f"{v:#x}" + (f" <{label(v)}>" if label(v) else "")
        elif name in ("esp", "ebp", "rsp", "rbp"):
            natural = f"{v:#x}"
        elif name == "eflags":
            natural = format_flags(v)
        else:
            bits = 64 if self.s.arch == "x86_64" and name.startswith("r") else 32
            natural = str(to_signed(v, bits))
        hx = f"{v:#x}"
        return f"{name:<15}{hx:<18} {natural}"

    def info_symbol(self, rest: str) -> None:
        s = self.s
        if not rest:
            raise CommandError("Argument required (address).")
        addr = s.evaluator.address_of(rest)
        hit = s.symbols.symbolize(addr)
        if hit is None:
            s.say(f"No symbol matches {rest}.")
            return
        name, off = hit
        m = s.symbols.module_at(addr)
        section = ""
        if m is not None:
            best = None
            for sname, saddr in m.section_addresses.items():
                if saddr <= addr and (best is None or saddr > best[1]):
                    best = (sname, saddr)
            if best:
                section = f" in section {best[0]}"
        else:
            section = " in kernel text"
        s.say(f"{name}{f' + {off}' if off else ''}{section}")

    def info_address(self, rest: str) -> None:
        sym = self.s.symbols.lookup(rest.strip())
        if sym is None:
            raise CommandError(f'No symbol "{rest.strip()}" in current context.')
        what = "function" if sym.kind == "func" else "static storage"
        self.s.say(f'Symbol "{sym.name}" is {what} at address {sym.addr:#x}.')
