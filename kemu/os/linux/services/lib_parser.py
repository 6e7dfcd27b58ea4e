"""lib/parser.c and the simple_strto*() family (lib/vsprintf.c), as in Linux 6.1: how mount
options, configfs attributes and module parameters ("fd=3,mode=0644") are tokenised.

* match_token walks a match_table_t (struct match_token {int token; const char *pattern;})
  until a pattern matches the whole string; the last entry has a NULL pattern and matches
  anything, so its token is the "no match" answer. A pattern is literal text with up to
  MAX_OPT_ARGS (3) conversions: %s (optionally %Ns: at most N characters, never empty),
  %d / %u (base 0), %o, %x (a number, at least one digit) and %% for a literal '%'. Each
  conversion fills one substring_t {from, to} pointing INTO the caller's string.
* match_int / match_octal / match_hex copy the substring into a 24-byte buffer (-ERANGE if
  it does not fit), parse it with simple_strtol (-EINVAL when no digit, -ERANGE outside
  int); match_uint and match_u64 use kstrtouint / kstrtoull rules instead.
* match_strlcpy / match_strdup copy a substring out; match_wildcard is the '*'/'?' glob.
* simple_strtoull/strtoul/strtol/strtoll parse a leading number without checking what
  follows (overflow wraps), storing where they stopped in *endp.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

from .kstrto import kstrto
from .memory import _alloc

table = ServiceTable("lib_parser")

MAX_OPT_ARGS = 3
NUMBER_BUF_LEN = 24
PATTERN_LIMIT = 4096       # a pattern or option string longer than this is garbage


def _null(what: str) -> None:
    raise KernelPanic(f"BUG: kernel NULL pointer dereference ({what})")


def fixup_radix(s: bytes, base: int) -> tuple[int, int]:
    """_parse_integer_fixup_radix: (base, characters of prefix skipped)."""
    if base == 0:
        if s[:1] == b"0":
            base = 16 if s[1:2].lower() == b"x" and s[2:3] and chr(s[2]) in "0123456789abcdefABCDEF" else 8
        else:
            base = 10
    if base == 16 and s[:1] == b"0" and s[1:2].lower() == b"x":
        return base, 2
    return base, 0


def strtoull(s: bytes, base: int) -> tuple[int, int]:
    """simple_strtoull: (value mod 2**64, characters consumed); 0 digits leaves only the
    prefix consumed, as the kernel does."""
    base, i = fixup_radix(s, base)
    value = 0
    while i < len(s):
        c = chr(s[i]).lower()
        d = "0123456789abcdefghijklmnopqrstuvwxyz".find(c)
        if d < 0 or d >= base:
            break
        value = (value * base + d) & ((1 << 64) - 1)
        i += 1
    return value, i


def strtoll(s: bytes, base: int) -> tuple[int, int]:
    """simple_strtoll: a leading '-' negates the unsigned parse of the rest."""
    if s[:1] == b"-":
        value, n = strtoull(s[1:], base)
        return (-value) & ((1 << 64) - 1), n + 1
    return strtoull(s, base)


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _strto(k, cp: int, endp: int, base: int, signed: bool, bits: int) -> int:
    if not cp:
        _null("simple_strto*: NULL string")
    s = k.machine.mem.read_cstr(cp)
    value, n = (strtoll if signed else strtoull)(s, base & 0xFFFFFFFF)
    if endp:
        k.machine.mem.write_ptr(endp, cp + n)
    return value & ((1 << bits) - 1)


@table.service("unsigned long long simple_strtoull(const char *cp, char **endp, unsigned int base)")
def simple_strtoull(k, cp: int, endp: int, base: int) -> int:
    """Leading unsigned number, no range check; *endp gets the first unparsed character."""
    return _strto(k, cp, endp, base, False, 64)


@table.service("unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base)")
def simple_strtoul(k, cp: int, endp: int, base: int) -> int:
    """simple_strtoull cut to an unsigned long."""
    return _strto(k, cp, endp, base, False, 8 * k.machine.word_size)


@table.service("long simple_strtol(const char *cp, char **endp, unsigned int base)")
def simple_strtol(k, cp: int, endp: int, base: int) -> int:
    """simple_strtoul with an optional leading '-'."""
    return _strto(k, cp, endp, base, True, 8 * k.machine.word_size)


@table.service("long long simple_strtoll(const char *cp, char **endp, unsigned int base)")
def simple_strtoll(k, cp: int, endp: int, base: int) -> int:
    """simple_strtoull with an optional leading '-'."""
    return _strto(k, cp, endp, base, True, 64)


def match_one(s: bytes, p: bytes) -> list[tuple[int, int]] | None:
    """match_one: the (from, to) offsets of each conversion when `p` matches all of `s`,
    None when it does not."""
    args: list[tuple[int, int]] = []
    si = 0
    while True:
        meta = p.find(b"%")
        if meta < 0:
            return args if p == s[si:] else None
        if s[si:si + meta] != p[:meta]:
            return None
        si += meta
        p = p[meta + 1:]
        length = -1
        if p[:1].isdigit():
            value, n = strtoull(p, 10)
            length, p = value, p[n:]
        elif p[:1] == b"%":
            if s[si:si + 1] != b"%":
                return None
            si += 1
            p = p[1:]
            continue
        if len(args) >= MAX_OPT_ARGS:
            return None
        conv, p = p[:1], p[1:]
        rest = s[si:]
        if conv == b"s":
            if not rest:
                return None
            n = len(rest) if length == -1 or length > len(rest) else length
        elif conv in (b"d", b"u", b"o", b"x"):
            base = {b"d": 0, b"u": 0, b"o": 8, b"x": 16}[conv]
            n = (strtoll if conv == b"d" else strtoull)(rest, base)[1]
            if n == 0:
                return None
        else:
            return None
        args.append((si, si + n))
        si += n


def _entry(k) -> tuple[int, int]:
    """(size of struct match_token, offset of its pattern)."""
    word = k.machine.word_size
    return 2 * word, word


@table.service("int match_token(char *s, const struct match_token *table, struct substring *args)")
def match_token(k, s: int, tbl: int, args: int) -> int:
    """The token of the first entry whose pattern matches all of `s` (a NULL pattern ends
    the table and matches anything); args[] gets pointers into `s` for its conversions."""
    if not s or not tbl:
        _null(f"match_token: NULL {'string' if not s else 'table'}")
    mem, word = k.machine.mem, k.machine.word_size
    text = mem.read_cstr(s, PATTERN_LIMIT)
    size, poff = _entry(k)
    entry = tbl
    while True:
        pattern = mem.read_ptr(entry + poff)
        found = [] if not pattern else match_one(text, mem.read_cstr(pattern, PATTERN_LIMIT))
        if found is not None:
            for i, (a, b) in enumerate(found):
                mem.write_ptr(args + 2 * word * i, s + a)
                mem.write_ptr(args + 2 * word * i + word, s + b)
            return _signed(mem.read_int(entry, 4), 32)
        entry += size


def substring(k, sub: int) -> bytes:
    """The bytes a substring_t covers."""
    if not sub:
        _null("lib/parser: NULL substring_t")
    mem, word = k.machine.mem, k.machine.word_size
    start, end = mem.read_ptr(sub), mem.read_ptr(sub + word)
    if end < start or end - start > 1 << 20:
        raise KernelPanic(f"BUG: lib/parser: substring_t {sub:#x} spans {start:#x}..{end:#x}")
    return mem.read(start, end - start)


def _store(k, result: int, size: int, value: int) -> None:
    k.check_length(result, size, "write")
    k.machine.mem.write_int(result, size, value & ((1 << (8 * size)) - 1))


def _match_number(k, sub: int, result: int, base: int) -> int:
    """match_number: simple_strtol on a copy; -ERANGE if the copy or the value does not fit
    (a long, then an int), -EINVAL when no digit was parsed."""
    text = substring(k, sub)
    if len(text) >= NUMBER_BUF_LEN:
        return -k.errno.ERANGE
    text = text.split(b"\0", 1)[0]
    value, n = strtoll(text, base)
    if n == 0:
        return -k.errno.EINVAL
    value = _signed(value, 8 * k.machine.word_size)
    if not -(1 << 31) <= value < 1 << 31:
        return -k.errno.ERANGE
    _store(k, result, 4, value)
    return 0


@table.service("int match_int(struct substring *s, int *result)")
def match_int(k, s: int, result: int) -> int:
    """A decimal, octal ("0...") or hex ("0x...") int: 0, -EINVAL or -ERANGE."""
    return _match_number(k, s, result, 0)


@table.service("int match_octal(struct substring *s, int *result)")
def match_octal(k, s: int, result: int) -> int:
    """An octal int: 0, -EINVAL or -ERANGE."""
    return _match_number(k, s, result, 8)


@table.service("int match_hex(struct substring *s, int *result)")
def match_hex(k, s: int, result: int) -> int:
    """A hex int ("0x" optional): 0, -EINVAL or -ERANGE."""
    return _match_number(k, s, result, 16)


def _match_strict(k, sub: int, result: int, base: int, bits: int) -> int:
    text = substring(k, sub)
    if len(text) >= NUMBER_BUF_LEN:
        return -k.errno.ERANGE
    err, value = kstrto(text.split(b"\0", 1)[0], base, bits, False)
    if err:
        return -getattr(k.errno, err)
    _store(k, result, bits // 8, value)
    return 0


@table.service("int match_uint(struct substring *s, unsigned int *result)")
def match_uint(k, s: int, result: int) -> int:
    """kstrtouint(base 10) on the substring: 0, -EINVAL or -ERANGE."""
    return _match_strict(k, s, result, 10, 32)


@table.service("int match_u64(struct substring *s, u64 *result)")
def match_u64(k, s: int, result: int) -> int:
    """kstrtoull(base 0) on the substring: 0, -EINVAL or -ERANGE."""
    return _match_strict(k, s, result, 0, 64)


@table.service("size_t match_strlcpy(char *dest, const struct substring *src, size_t size)")
def match_strlcpy(k, dest: int, src: int, size: int) -> int:
    """Copy at most size-1 bytes and a NUL (nothing when size is 0); returns the
    substring's full length so truncation shows."""
    text = substring(k, src)
    if size:
        n = min(len(text), size - 1)
        k.check_length(dest, n + 1, "write")
        k.machine.mem.write(dest, text[:n] + b"\0")
    return len(text)


@table.service("char *match_strdup(const struct substring *s)", needs_call=True)
def match_strdup(k, s: int, call=None) -> int:
    """kmemdup_nul of the substring (GFP_KERNEL); NULL when the allocation fails. The
    caller kfree()s it."""
    text = substring(k, s)
    addr = _alloc(k, len(text) + 1, 0, "kmalloc", call)
    if addr:
        k.machine.mem.write(addr, text + b"\0")
    return addr


def wildcard(pattern: bytes, s: bytes) -> bool:
    """match_wildcard: '*' any run (possibly empty), '?' any one character, the whole
    string must be consumed (trailing '*'s match the empty rest)."""
    si = pi = 0
    star_p = star_s = -1
    while si < len(s):
        if pi < len(pattern) and pattern[pi:pi + 1] == b"*":
            star_p, star_s = pi, si
            pi += 1
            if pi == len(pattern):
                return True
        elif pi < len(pattern) and (pattern[pi:pi + 1] == b"?" or pattern[pi] == s[si]):
            pi += 1
            si += 1
        elif star_p >= 0:
            star_s += 1
            si, pi = star_s, star_p + 1
        else:
            return False
    while pi < len(pattern) and pattern[pi:pi + 1] == b"*":
        pi += 1
    return pi == len(pattern)


@table.service("bool match_wildcard(const char *pattern, const char *str)")
def match_wildcard(k, pattern: int, s: int) -> int:
    """Glob match with '*' and '?'."""
    if not pattern or not s:
        _null("match_wildcard: NULL pattern or string")
    mem = k.machine.mem
    return int(wildcard(mem.read_cstr(pattern, PATTERN_LIMIT), mem.read_cstr(s, PATTERN_LIMIT)))
