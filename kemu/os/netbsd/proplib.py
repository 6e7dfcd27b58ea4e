"""proplib(3) dictionaries as a NetBSD 10 kernel hands them to a module's MODULE_CMD_INIT.

A module only ever sees `prop_dictionary_t`, an opaque pointer, and asks for values through
the getters (`prop_dictionary_get_int32`, `_get_string`, `_get_bool`, `prop_dictionary_count`).
kemu keeps each dictionary in Python (`PropDict`: key -> value, values bool, int or str, or
anything else plistlib reads, which the getters refuse as proplib refuses a wrong type) and
gives the module a small kernel allocation as its handle; a string a getter returns lives in
kernel memory owned by the dictionary, as proplib's own string object does, until the
dictionary is released.

Where they come from: a `NAME.plist` beside the module, parsed as a real XML property list
(`parse_plist`: proplib's internalizer accepts a `<dict>` at the top and nothing else), merged
with the caller's dictionary (modload's -b/-i/-s) by `merge` (the caller's values win).
"""
from __future__ import annotations

import plistlib
from typing import Any

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
HANDLE_SIZE = 16


class PlistError(ValueError):
    """Not a property list proplib would internalize into a dictionary."""


def parse_plist(data: bytes) -> dict[str, Any]:
    """The dictionary an XML property list holds; PlistError if it is not one."""
    try:
        value = plistlib.loads(data, fmt=plistlib.FMT_XML)
    except Exception as exc:          # plistlib raises several types for bad XML
        raise PlistError(f"not an XML property list: {exc}") from None
    if not isinstance(value, dict):
        raise PlistError(f"the property list holds a {type(value).__name__}, not a dictionary")
    return value


def externalize(values: dict[str, Any]) -> bytes:
    """The XML text of a dictionary, as prop_dictionary_externalize writes it (modload)."""
    return plistlib.dumps(values, fmt=plistlib.FMT_XML)


def merge(filedict: dict[str, Any], props: dict[str, Any] | None) -> dict[str, Any]:
    """module_merge_dicts: every key of the caller's dictionary copied over the plist's."""
    merged = dict(filedict)
    merged.update(props or {})
    return merged


class PropDict:
    """One dictionary in the kernel: its values and the handle the guest holds."""

    def __init__(self, values: dict[str, Any], handle: int):
        self.values = dict(values)
        self.handle = handle
        self.strings: dict[str, int] = {}      # key -> kernel copy handed out by _get_string


class PropStore:
    """The dictionaries alive in one kernel, by handle."""

    def __init__(self, kernel):
        self.k = kernel
        self.dicts: dict[int, PropDict] = {}

    def create(self, values: dict[str, Any]) -> int:
        handle = self.k.heap.alloc(HANDLE_SIZE, "prop_dictionary", zero=True)
        self.dicts[handle] = PropDict(values, handle)
        return handle

    def release(self, handle: int) -> None:
        d = self.dicts.pop(handle, None)
        if d is None:
            return
        for addr in d.strings.values():
            self.k.heap.free(addr)
        self.k.heap.free(handle)

    def get(self, handle: int) -> PropDict | None:
        return self.dicts.get(handle)

    def string_copy(self, d: PropDict, key: str, value: str) -> int:
        """The kernel's NUL-terminated copy of a string value (made once per key)."""
        addr = d.strings.get(key)
        if addr is None:
            data = value.encode("utf-8") + b"\0"
            addr = self.k.heap.alloc(len(data), "prop_string")
            self.k.machine.mem.write(addr, data)
            d.strings[key] = addr
        return addr


def int32_of(value: Any) -> int | None:
    """The value as int32_t, or None when it is not a number or out of range (proplib's rule)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if INT32_MIN <= value <= INT32_MAX else None
