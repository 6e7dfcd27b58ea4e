"""Kernel services: Python functions declared with their C prototypes.

```python
table = ServiceTable("uio")

@table.service("int uiomove(void *buf, size_t n, struct uio *uio)")
def uiomove(k, buf, n, uio): ...
```

The prototype is the single source of truth for a service: argument decoding on each ABI, the
call trace (`uiomove(buf=0xc1002010, n=4, uio=0xc0ff7e80) = 0`) and `kemu services`. At install
time the kernel turns each service into a trap handler specialised for the machine's arch: the
argument conversions (mask, sign-extend, join two i386 slots for 64-bit values) are generated as
straight-line Python once, so a call costs one `call.args(n)`, a few integer operations, the
service itself and a ring-buffer append. Nothing is parsed or formatted per call; trace entries
are stored raw and formatted only when someone reads them. While someone watches the trace, the
text of `const char *` arguments is captured at the call too (trace_strings.py).
"""
from __future__ import annotations

import functools

from collections import deque
from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from kemu.intbits import to_signed
from kemu.record import Record

from .errors import KernelError
from .prototype import Prototype, TypeInfo, parse_prototype
from .trace_strings import STRING_LIMIT, is_string_param, make_capture

if TYPE_CHECKING:
    from .service_call import ServiceCall

ServiceFunc = Callable[..., "int | None"]


class Service(Record, fields=("prototype", "func", "subsystem", "needs_call"), frozen=True):
    """One kernel function: its prototype, its Python implementation and where it belongs."""

    def __init__(self, prototype: Prototype, func: ServiceFunc, subsystem: str = "",
                 needs_call: bool = False) -> None:
        vars(self).update(
            prototype=prototype,
            func=func,
            subsystem=subsystem,
            needs_call=needs_call,  # the function also gets `call=` (the TrapCall: return address, machine)
        )

    @property
    def name(self) -> str:
        return self.prototype.name

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()

    def __str__(self) -> str:
        return str(self.prototype)


def service(prototype: str, *, typedefs: Mapping[str, TypeInfo] | None = None, subsystem: str = "",
            needs_call: bool = False) -> Callable[[ServiceFunc], ServiceFunc]:
    """Declare a service outside any table; the function gains a `.service` attribute.

    `ServiceTable.add(fn)` accepts such functions, so a personality can define one-off services
    next to the code they belong to and gather them later.
    """
    proto = parse_prototype(prototype, typedefs)

    def decorate(func: ServiceFunc) -> ServiceFunc:
        func.service = Service(proto, func, subsystem, needs_call)  # type: ignore[attr-defined]
        return func

    return decorate


class ServiceTable:
    """A named group of services (one kernel subsystem); the personality installs whole tables."""

    def __init__(self, subsystem: str, typedefs: Mapping[str, TypeInfo] | None = None):
        self.subsystem = subsystem
        self.typedefs = dict(typedefs or {})
        self._services: dict[str, Service] = {}

    def service(self, prototype: str, *, needs_call: bool = False) -> Callable[[ServiceFunc], ServiceFunc]:
        """Decorator: declare and register a service; returns the function unchanged."""
        proto = parse_prototype(prototype, self.typedefs)

        def decorate(func: ServiceFunc) -> ServiceFunc:
            svc = Service(proto, func, self.subsystem, needs_call)
            self.add(svc)
            func.service = svc  # type: ignore[attr-defined]
            return func

        return decorate

    def add(self, item: Service | ServiceFunc, replace: bool = False) -> Service:
        """Register a Service (or a function decorated with `service`)."""
        svc = item if isinstance(item, Service) else getattr(item, "service", None)
        if not isinstance(svc, Service):
            raise KernelError(f"{item!r} is not a service: declare it with @service(\"<prototype>\")")
        if svc.name in self._services and not replace:
            raise KernelError(f"service table {self.subsystem!r} already has {svc.name}")
        self._services[svc.name] = svc
        return svc

    def subset(self, *names: str) -> "ServiceTable":
        """A table with only the named services (KeyError names any that is missing)."""
        out = ServiceTable(self.subsystem, self.typedefs)
        for n in names:
            if n not in self._services:
                raise KeyError(f"service table {self.subsystem!r} has no service {n}")
            out._services[n] = self._services[n]
        return out

    def without(self, *names: str) -> "ServiceTable":
        """A table without the named services (a personality overriding a few)."""
        out = ServiceTable(self.subsystem, self.typedefs)
        out._services = {n: s for n, s in self._services.items() if n not in names}
        return out

    def get(self, name: str) -> Service | None:
        return self._services.get(name)

    def __getitem__(self, name: str) -> Service:
        return self._services[name]

    def __contains__(self, name: object) -> bool:
        return name in self._services

    def __iter__(self) -> Iterator[Service]:
        return iter(self._services.values())

    def __len__(self) -> int:
        return len(self._services)

    def __repr__(self) -> str:
        return f"ServiceTable({self.subsystem!r}, {len(self)} services)"


# --- the call trace (its decoded record, ServiceCall, is service_call.py) ------------------

class TraceRing:
    """The last `capacity` service calls, stored raw and decoded on access.

    Observers (`observe(cb)`) see every call as it completes as a ServiceCall — that is what
    `kemu trace` uses; with none attached, recording a call is one deque append. While an
    observer is attached or `capture_strings()` holds (the debugger), calls also capture the
    text of their `const char *` arguments, up to `string_limit` bytes, through `read_cstr`
    (the machine's `mem.read_cstr`, set by the kernel).
    """

    def __init__(self, arch: str, capacity: int = 4096,
                 read_cstr: Callable[[int, int], bytes] | None = None):
        self.arch = arch
        self.raw: deque = deque(maxlen=capacity)
        self.observers: list[Callable[["ServiceCall"], None]] = []
        self.capturing: list[object] = []     # non-empty: trap handlers capture strings
        self.string_limit = STRING_LIMIT
        self.read_cstr = read_cstr
        self.faults = 0

    @property
    def capacity(self) -> int:
        return self.raw.maxlen or 0

    def observe(self, callback: Callable[["ServiceCall"], None]) -> Callable[[], None]:
        """Call `callback(ServiceCall)` after every service call; returns an unsubscribe function."""
        self.observers.append(callback)
        release = self.capture_strings()

        def remove() -> None:
            if callback in self.observers:
                self.observers.remove(callback)
                release()

        return remove

    def capture_strings(self) -> Callable[[], None]:
        """Capture string arguments at each call from now on (the debugger's panel shows
        them); returns the function that stops this request."""
        token = object()
        self.capturing.append(token)

        def release() -> None:
            if token in self.capturing:
                self.capturing.remove(token)

        return release

    def decode(self, entry: tuple) -> "ServiceCall":
        from .service_call import ServiceCall   # a trace that is read imports the record
        svc: Service = entry[0]
        proto = svc.prototype
        values = decode_slots(proto, self.arch, entry[1])
        args = tuple((p.name, v, p.ctype.spelling) for p, v in zip(proto.params, values))
        result = entry[2]
        if result is not None and not proto.ret.pointer and proto.ret.size(self.arch):
            result = _signed(result, proto.ret, self.arch)
        fault = str(entry[3]) if len(entry) > 3 and entry[3] is not None else None
        strings = tuple((proto.params[i].name, data, truncated)
                        for i, data, truncated in entry[4]) if len(entry) > 4 else ()
        return ServiceCall(proto.name, args, result, proto.variadic, fault, proto.ret.spelling, strings)

    def notify(self, entry: tuple) -> None:
        call = self.decode(entry)
        for cb in list(self.observers):
            cb(call)

    def __len__(self) -> int:
        return len(self.raw)

    def __iter__(self) -> Iterator["ServiceCall"]:
        return (self.decode(e) for e in list(self.raw))

    def __getitem__(self, index: int) -> "ServiceCall":
        return self.decode(self.raw[index])

    def names(self) -> list[str]:
        """Names of the recorded calls, oldest first (cheap: no decoding)."""
        return [e[0].name for e in self.raw]

    def clear(self) -> None:
        self.raw.clear()

    def text(self) -> str:
        return "\n".join(str(c) for c in self)


def _signed(value: int, ctype: Any, arch: str) -> int:
    if not isinstance(value, int) or ctype.pointer or not ctype.signed:
        return value
    return to_signed(value, 8 * ctype.size(arch))


# --- trap handler generation ---------------------------------------------------------------

def _decode_expr(ctype: Any, arch: str, slot: int) -> tuple[str, int]:
    """Python expression converting raw argument words `a[slot..]` into the C value."""
    word = 4 if arch == "i386" else 8
    size = ctype.size(arch)
    if ctype.pointer:
        return f"a[{slot}]", 1
    if size > word:  # 64-bit value on i386: low word first
        expr = f"(a[{slot}] | (a[{slot + 1}] << 32))"
        if ctype.signed:
            expr = f"(({expr} ^ 0x8000000000000000) - 0x8000000000000000)"
        return expr, 2
    bits = 8 * size
    mask = (1 << bits) - 1
    base = f"a[{slot}]" if size == word else f"(a[{slot}] & {mask:#x})"
    if ctype.signed:
        sign = 1 << (bits - 1)
        return f"(({base} ^ {sign:#x}) - {sign:#x})", 1
    return base, 1


@functools.lru_cache(maxsize=4096)
def _handler_code(source: str) -> CodeType:
    """The code of the handler function `source` defines, compiled once per process for each
    distinct source: services with the same argument shape share it (a NetBSD boot's 52
    services have 22 shapes), so booting a kernel with hundreds of services costs a few dozen
    compile() calls, and a second boot none."""
    module = compile(source, "<kemu service>", "exec")
    return next(c for c in module.co_consts if isinstance(c, CodeType))


def build_handler(kernel: Any, svc: Service, arch: str, trace: TraceRing,
                  fault_types: tuple[type[BaseException], ...], efault: int) -> Callable[[Any], int | None]:
    """A trap handler for `svc` on `arch`: decode, call, record, map faults to EFAULT.

    The generated function is straight-line code: one `call.args(n)`, the conversions inlined in
    the call expression, and the raw argument words appended to the trace ring (decoded only when
    someone reads the trace).
    """
    proto = svc.prototype
    exprs, slot, string_slots = [], 0, []
    for i, p in enumerate(proto.params):
        expr, used = _decode_expr(p.ctype, arch, slot)
        exprs.append(expr)
        if is_string_param(p.ctype):
            string_slots.append((i, slot))
        slot += used
    call_args = ["k"] + exprs
    lines = ["def handler(call):"]
    lines.append(f"    a = call.args({slot})" if slot else "    a = ()")
    if proto.variadic:
        call_args.append(f"call.varargs({slot})")
    if svc.needs_call:
        call_args.append("call=call")
    if not string_slots:
        lines += [
            "    try:",
            f"        r = func({', '.join(call_args)})",
            "    except faults as fault:",
            "        return on_fault(a, fault)",
            "    append((svc, a, r))",
            "    if observers:",
            "        notify((svc, a, r))",
            "    return r",
        ]
    else:
        # strings are read before the service runs: what the module passed, not what is
        # there afterwards; only while the trace is watched
        lines += [
            "    s = capture(a) if capturing else None",
            "    try:",
            f"        r = func({', '.join(call_args)})",
            "    except faults as fault:",
            "        return on_fault(a, fault, s)",
            "    e = (svc, a, r) if s is None else (svc, a, r, None, s)",
            "    append(e)",
            "    if observers:",
            "        notify(e)",
            "    return r",
        ]
    source = "\n".join(lines)

    def on_fault(args: Any, fault: BaseException, strings: Any = None) -> int:
        trace.faults += 1
        entry = (svc, args, efault, fault) if strings is None else (svc, args, efault, fault, strings)
        trace.raw.append(entry)
        if trace.observers:
            trace.notify(entry)
        return efault

    namespace: dict[str, Any] = {
        "k": kernel, "func": svc.func, "svc": svc, "faults": fault_types, "on_fault": on_fault,
        "append": trace.raw.append, "observers": trace.observers, "notify": trace.notify,
        "capturing": trace.capturing, "capture": make_capture(string_slots, trace),
    }
    # tracebacks through the handler name the service: its own file name on the shared code
    code = _handler_code(source).replace(co_filename=f"<kemu service {proto.name} ({arch})>")
    handler = FunctionType(code, namespace)
    handler.__qualname__ = f"service_{proto.name}"
    handler.__doc__ = f"Trap handler for {proto} ({arch})."
    return handler


def decode_slots(proto: Prototype, arch: str, words: Any) -> tuple[int, ...]:
    """C values of the fixed parameters from the raw argument words a trap saw."""
    out, slot = [], 0
    for p in proto.params:
        ct = p.ctype
        if not ct.pointer and ct.slots(arch) == 2:
            value = words[slot] | (words[slot + 1] << 32)
            slot += 2
        else:
            value = words[slot] & ((1 << (8 * max(ct.size(arch), 1))) - 1) if not ct.pointer else words[slot]
            slot += 1
        out.append(_signed(value, ct, arch))
    return tuple(out)


def describe(services: Iterable[Service]) -> str:
    """`kemu services`: one line per service, its prototype and the first line of its doc."""
    lines = []
    for s in sorted(services, key=lambda s: s.name):
        doc = s.doc.splitlines()[0] if s.doc else ""
        lines.append(f"{str(s.prototype):<60} {doc}".rstrip())
    return "\n".join(lines)
