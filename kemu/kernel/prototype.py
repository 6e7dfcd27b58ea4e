"""C prototypes of kernel services, parsed once into what argument decoding needs.

A service is declared with the prototype a kernel programmer reads in the man page,
`"int uiomove(void *buf, size_t n, struct uio *uio)"`. From it we learn, per architecture,
each argument's width, signedness and pointer-ness, and on i386 which arguments occupy two
stack slots (64-bit values such as `off_t`). Decoders are built from this once, at install time,
so a trap never parses anything.

Kernel typedefs are known for the BSDs and Linux alike (sizes are the same on the two x86
architectures kemu emulates except where `long` and pointers differ). A personality whose OS
deviates (FreeBSD's 64-bit `dev_t`, say) passes its own `typedefs` mapping.
"""
from __future__ import annotations

import re
from typing import Mapping

from kemu.arch import WORD_SIZE
from kemu.record import Record

ARCHES = ("i386", "x86_64")

# A scalar type: (size on i386, size on x86_64, signed, is_pointer). "W" means one machine word.
TypeInfo = tuple[int, int, bool, bool]


def _t(size: int | str, signed: bool, pointer: bool = False) -> TypeInfo:
    if size == "W":
        return (4, 8, signed, pointer)
    assert isinstance(size, int)
    return (size, size, signed, pointer)


# Typedefs found in BSD and Linux kernel headers, sized as on i386 / x86_64.
KERNEL_TYPEDEFS: dict[str, TypeInfo] = {
    # exact-width integers (BSD and C99 spellings, Linux's short ones)
    **{f"int{n}_t": _t(n // 8, True) for n in (8, 16, 32, 64)},
    **{f"uint{n}_t": _t(n // 8, False) for n in (8, 16, 32, 64)},
    **{f"u_int{n}_t": _t(n // 8, False) for n in (8, 16, 32, 64)},
    **{f"__int{n}_t": _t(n // 8, True) for n in (8, 16, 32, 64)},
    **{f"__uint{n}_t": _t(n // 8, False) for n in (8, 16, 32, 64)},
    **{f"s{n}": _t(n // 8, True) for n in (8, 16, 32, 64)},
    **{f"u{n}": _t(n // 8, False) for n in (8, 16, 32, 64)},
    **{f"__s{n}": _t(n // 8, True) for n in (8, 16, 32, 64)},
    **{f"__u{n}": _t(n // 8, False) for n in (8, 16, 32, 64)},
    **{f"__le{n}": _t(n // 8, False) for n in (16, 32, 64)},
    **{f"__be{n}": _t(n // 8, False) for n in (16, 32, 64)},
    # BSD short names
    "u_char": _t(1, False), "u_short": _t(2, False), "u_int": _t(4, False), "u_long": _t("W", False),
    "uchar_t": _t(1, False), "ushort": _t(2, False), "uint": _t(4, False), "ulong": _t("W", False),
    "quad_t": _t(8, True), "u_quad_t": _t(8, False), "longlong_t": _t(8, True), "u_longlong_t": _t(8, False),
    # sizes and offsets
    "size_t": _t("W", False), "ssize_t": _t("W", True), "ptrdiff_t": _t("W", True),
    "intptr_t": _t("W", True), "uintptr_t": _t("W", False), "register_t": _t("W", True),
    "u_register_t": _t("W", False), "intmax_t": _t(8, True), "uintmax_t": _t(8, False),
    "off_t": _t(8, True), "loff_t": _t(8, True), "daddr_t": _t(8, True), "blkcnt_t": _t(8, True),
    "vaddr_t": _t("W", False), "paddr_t": _t("W", False), "vsize_t": _t("W", False), "psize_t": _t("W", False),
    "vm_offset_t": _t("W", False), "vm_size_t": _t("W", False), "vm_paddr_t": _t(8, False),
    "segsz_t": _t(4, True), "fixpt_t": _t(4, False),
    # identities and modes
    "dev_t": _t(4, False), "mode_t": _t(4, False), "umode_t": _t(2, False), "nlink_t": _t(4, False),
    "uid_t": _t(4, False), "gid_t": _t(4, False), "pid_t": _t(4, True), "id_t": _t(4, False),
    "lwpid_t": _t(4, True), "key_t": _t("W", True), "ino_t": _t(8, False), "fmode_t": _t(4, False),
    "gfp_t": _t(4, False), "sig_atomic_t": _t(4, True), "cpuid_t": _t("W", False),
    # time
    "time_t": _t("W", True), "clock_t": _t("W", True), "suseconds_t": _t("W", True),
    "useconds_t": _t(4, False), "ktime_t": _t(8, True),
    # truth values
    "bool": _t(1, False), "_Bool": _t(1, False), "boolean_t": _t(4, True),
    # pointers spelled as typedefs
    "caddr_t": _t("W", False, True), "c_caddr_t": _t("W", False, True), "va_list": _t("W", False, True),
    "__va_list": _t("W", False, True), "__builtin_va_list": _t("W", False, True),
}

_QUALIFIERS = {"const", "volatile", "restrict", "__restrict", "__restrict__", "register", "static",
               "inline", "__inline", "extern", "__user", "__iomem", "__kernel", "__force", "__must_check",
               "__unused", "__printflike", "asmlinkage", "__attribute__"}
_BASIC = {"void", "char", "short", "int", "long", "signed", "unsigned", "float", "double"}
_NOT_A_NAME = _BASIC | _QUALIFIERS
# each token, or (second group) a character no token starts with, for the error message
_TOKENS = re.compile(r"\s*(?:(\.\.\.|[A-Za-z_][A-Za-z_0-9]*|0[xX][0-9a-fA-F]+|\d+|[*(),\[\];])|(\S))")


class PrototypeError(ValueError):
    """A prototype kemu cannot parse or decode; the message quotes it and says what is wrong."""


class CType(Record, fields=("spelling", "size_i386", "size_x86_64", "signed", "pointer"), frozen=True):
    """A C type as far as argument passing cares: spelled form, sizes per arch, signedness."""

    def __init__(self, spelling: str, size_i386: int, size_x86_64: int, signed: bool,
                 pointer: bool) -> None:
        vars(self).update(
            spelling=spelling,        # canonical text: "const char *", "size_t", "struct uio *"
            size_i386=size_i386,      # 0 for void
            size_x86_64=size_x86_64,
            signed=signed,
            pointer=pointer,
        )

    @property
    def void(self) -> bool:
        return self.size_i386 == 0 and not self.pointer

    def size(self, arch: str) -> int:
        """Width in bytes on `arch` ("i386" or "x86_64")."""
        if arch == "i386":
            return self.size_i386
        if arch == "x86_64":
            return self.size_x86_64
        raise ValueError(f"unknown arch {arch!r}; expected one of {ARCHES}")

    def slots(self, arch: str) -> int:
        """Argument words it takes: 2 for 64-bit values on i386, else 1 (0 for void)."""
        size = self.size(arch)
        if size == 0:
            return 0
        return (size + WORD_SIZE[arch] - 1) // WORD_SIZE[arch]

    def __str__(self) -> str:
        return self.spelling


class Param(Record, fields=("name", "ctype"), frozen=True):
    def __init__(self, name: str, ctype: CType) -> None:
        vars(self).update(name=name, ctype=ctype)

    def __str__(self) -> str:
        if "(*)" in self.ctype.spelling:
            return self.ctype.spelling.replace("(*)", f"(*{self.name})")
        sep = "" if self.ctype.spelling.endswith("*") else " "
        return f"{self.ctype.spelling}{sep}{self.name}"


class Prototype(Record, fields=("name", "ret", "params", "variadic", "text"),
                compare=("name", "ret", "params", "variadic"), frozen=True):
    """A parsed C function declaration: `name`, return type, parameters, variadic flag (and the
    `text` it was parsed from, which equality ignores)."""

    def __init__(self, name: str, ret: CType, params: tuple[Param, ...], variadic: bool,
                 text: str) -> None:
        vars(self).update(name=name, ret=ret, params=params, variadic=variadic, text=text)

    def fixed_slots(self, arch: str) -> int:
        """Argument words the fixed parameters occupy; the first variadic word follows them."""
        return sum(p.ctype.slots(arch) for p in self.params)

    def __str__(self) -> str:
        args = [str(p) for p in self.params]
        if self.variadic:
            args.append("...")
        sep = "" if self.ret.spelling.endswith("*") else " "
        return f"{self.ret.spelling}{sep}{self.name}({', '.join(args) or 'void'})"


def _tokens(text: str, where: str) -> list[str]:
    text = text.strip()
    found = _TOKENS.findall(text)
    if any(stray for _, stray in found):
        stray = next(m for m in _TOKENS.finditer(text) if m.group(2))
        raise PrototypeError(f"{where}: unexpected character {stray.group(2)!r} at offset "
                             f"{stray.start()}")
    return [token for token, _ in found]


def _skip_attributes(toks: list[str]) -> list[str]:
    """Drop `__attribute__((...))` groups and `__printflike(1, 2)` style annotations."""
    out, i = [], 0
    while i < len(toks):
        if toks[i] in ("__attribute__", "__printflike", "__format_arg") and i + 1 < len(toks) and toks[i + 1] == "(":
            depth, i = 0, i + 1
            while i < len(toks):
                depth += toks[i] == "("
                depth -= toks[i] == ")"
                i += 1
                if depth == 0:
                    break
            continue
        out.append(toks[i])
        i += 1
    return out


def _split_commas(toks: list[str]) -> list[list[str]]:
    parts, cur, depth = [], [], 0
    for t in toks:
        if t == "," and depth == 0:
            parts.append(cur)
            cur = []
            continue
        depth += t in "(["
        depth -= t in ")]"
        cur.append(t)
    parts.append(cur)
    return parts


class _TypeResolver:
    def __init__(self, typedefs: Mapping[str, TypeInfo], where: str):
        self.typedefs = typedefs
        self.where = where

    def base(self, words: list[str], const: bool) -> tuple[str, TypeInfo | None]:
        """Resolve declaration specifiers (no stars) to (spelling, info); info None for void."""
        prefix = "const " if const else ""
        if not words:
            raise PrototypeError(f"{self.where}: missing type")
        if words[0] in ("struct", "union", "enum"):
            if len(words) != 2:
                raise PrototypeError(f"{self.where}: malformed type {' '.join(words)!r}")
            spelling = f"{prefix}{words[0]} {words[1]}"
            if words[0] == "enum":
                return spelling, _t(4, True)
            return spelling, (-1, -1, False, False)  # aggregate by value: only legal behind a pointer
        if all(w in _BASIC for w in words):
            return prefix + " ".join(words), self._basic(words)
        if len(words) == 1 and words[0] in self.typedefs:
            return prefix + words[0], self.typedefs[words[0]]
        unknown = [w for w in words if w not in _BASIC]
        raise PrototypeError(f"{self.where}: unknown type {' '.join(unknown)!r} "
                             f"(not a C keyword or a known kernel typedef)")

    def _basic(self, words: list[str]) -> TypeInfo | None:
        counts = {w: words.count(w) for w in set(words)}
        if counts.get("float") or counts.get("double"):
            raise PrototypeError(f"{self.where}: floating-point arguments are not used in kernels")
        if "void" in counts:
            if len(words) != 1:
                raise PrototypeError(f"{self.where}: malformed type {' '.join(words)!r}")
            return None
        signed = "unsigned" not in counts
        if "signed" in counts and "unsigned" in counts:
            raise PrototypeError(f"{self.where}: both signed and unsigned in {' '.join(words)!r}")
        longs = counts.get("long", 0)
        if "char" in counts:
            return _t(1, signed)
        if "short" in counts:
            return _t(2, signed)
        if longs >= 3:
            raise PrototypeError(f"{self.where}: 'long long long' is too long")
        if longs == 2:
            return _t(8, signed)
        if longs == 1:
            return _t("W", signed)
        return _t(4, signed)


def _parse_decl(toks: list[str], resolver: _TypeResolver, default_name: str) -> Param:
    """One parameter: specifiers, stars, optional name, optional [] (or a function pointer)."""
    toks = [t for t in toks]
    const = "const" in toks
    if "(" in toks:  # function pointer: ret (*name)(args)
        inner_start = toks.index("(")
        inner = []
        i = inner_start + 1
        while i < len(toks) and toks[i] != ")":
            inner.append(toks[i])
            i += 1
        if "*" not in inner:
            raise PrototypeError(f"{resolver.where}: cannot parse parameter {' '.join(toks)!r}")
        names = [t for t in inner if t not in ("*",) and t not in _QUALIFIERS]
        name = names[-1] if names else default_name
        ret_words = [t for t in toks[:inner_start] if t not in _QUALIFIERS and t != "*"]
        spelling = f"{' '.join(ret_words)} (*)()"
        return Param(name, CType(spelling, 4, 8, False, True))
    array = "[" in toks
    if array:
        toks = toks[:toks.index("[")]
    stars = toks.count("*")
    words = [t for t in toks if t not in _QUALIFIERS and t != "*"]
    name = default_name
    if words:
        last = words[-1]
        last_index = len(toks) - 1 - toks[::-1].index(last)
        after_star = last_index > 0 and toks[last_index - 1] == "*"
        head = words[:-1]
        head_is_type = bool(head) and head[-1] not in ("struct", "union", "enum") and (
            last not in _BASIC or after_star)
        if last not in _BASIC and (after_star or head_is_type):
            name = last
            words = head
    spelling, info = resolver.base(words, const)
    if array:
        stars += 1
    if stars:
        spelling = spelling + " " + "*" * stars
        return Param(name, CType(spelling, 4, 8, False, True))
    if info is None:
        raise PrototypeError(f"{resolver.where}: parameter {name!r} has type void")
    if info[0] < 0:
        raise PrototypeError(f"{resolver.where}: parameter {name!r} passes {spelling} by value, "
                             f"which kemu does not decode")
    return Param(name, CType(spelling, info[0], info[1], info[2], info[3]))


def parse_prototype(text: str, typedefs: Mapping[str, TypeInfo] | None = None) -> Prototype:
    """Parse `"int printf(const char *fmt, ...)"` into a `Prototype`.

    Raises PrototypeError quoting the prototype and naming the part it could not understand.
    """
    where = f"prototype {text.strip()!r}"
    resolver = _TypeResolver({**KERNEL_TYPEDEFS, **typedefs} if typedefs else KERNEL_TYPEDEFS, where)
    toks = _skip_attributes(_tokens(text, where))
    while toks and toks[-1] == ";":
        toks.pop()
    if not toks or toks[-1] != ")" or "(" not in toks:
        raise PrototypeError(f"{where}: expected 'type name(parameters)'")
    depth, open_at = 0, None
    for i in range(len(toks) - 1, -1, -1):
        depth += toks[i] == ")"
        depth -= toks[i] == "("
        if depth == 0:
            open_at = i
            break
    if open_at is None:
        raise PrototypeError(f"{where}: unbalanced parentheses")
    head, body = toks[:open_at], toks[open_at + 1:-1]
    if not head or not re.match(r"[A-Za-z_]", head[-1]) or head[-1] in _NOT_A_NAME:
        raise PrototypeError(f"{where}: missing function name")
    name = head[-1]
    ret_toks = head[:-1]
    ret_stars = ret_toks.count("*")
    ret_words = [t for t in ret_toks if t not in _QUALIFIERS and t != "*"]
    if not ret_words:
        raise PrototypeError(f"{where}: missing return type")
    spelling, info = resolver.base(ret_words, "const" in ret_toks)
    if ret_stars:
        ret = CType(spelling + " " + "*" * ret_stars, 4, 8, False, True)
    elif info is None:
        ret = CType("void", 0, 0, False, False)
    elif info[0] < 0:
        raise PrototypeError(f"{where}: returns {spelling} by value, which kemu does not encode")
    else:
        ret = CType(spelling, info[0], info[1], info[2], info[3])

    params: list[Param] = []
    variadic = False
    parts = _split_commas(body) if body else []
    if parts == [["void"]]:
        parts = []
    for index, part in enumerate(parts):
        if not part:
            raise PrototypeError(f"{where}: empty parameter {index + 1}")
        if part == ["..."]:
            if index != len(parts) - 1:
                raise PrototypeError(f"{where}: '...' must be the last parameter")
            if index == 0:
                raise PrototypeError(f"{where}: '...' needs a named parameter before it")
            variadic = True
            continue
        params.append(_parse_decl(part, resolver, f"arg{index}"))
    names = [p.name for p in params]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise PrototypeError(f"{where}: parameter name {sorted(dupes)[0]!r} used twice")
    return Prototype(name, ret, tuple(params), variadic, text.strip())
