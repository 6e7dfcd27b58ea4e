"""Every function the FreeBSD SDK headers declare is either a kernel symbol kldload resolves
or listed in docs/freebsd.md under "Declared, not provided" (so a hidden kld's refusal is a
documented one, and the list cannot drift from the kernel)."""
from __future__ import annotations

import re

import kemu
from kemu.paths import ROOT

SDK = ROOT / "guest" / "freebsd" / "include"
_PROTOTYPE = re.compile(r"\b([A-Za-z_]\w*)\s*\(([^;{}()]|\([^()]*\))*\)\s*"
                        r"(__\w+(\([^()]*(\([^()]*\))?[^()]*\))?\s*)*;")
_NOT_FUNCTIONS = {"EVENTHANDLER_DECLARE", "LIST_HEAD", "MALLOC_DECLARE", "RB_HEAD", "SLIST_HEAD",
                  "SYSCTL_DECL", "TAILQ_HEAD", "__alloc_size2",    # macros used at file scope
                  "return", "sizeof", "if", "while", "for", "switch"}   # inline functions' bodies


def _declared_functions() -> set[str]:
    names = set()
    for header in SDK.rglob("*.h"):
        text = re.sub(r"/\*.*?\*/", "", header.read_text(), flags=re.S).replace("\\\n", " ")
        text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
        for m in _PROTOTYPE.finditer(text):
            before = text[max(0, m.start() - 80):m.start()]
            last_line = before.splitlines()[-1] if before.splitlines() else ""
            if re.search(r"\(\s*\*\s*$", before) or "typedef" in last_line:
                continue
            names.add(m.group(1))
    return names - _NOT_FUNCTIONS


def _documented_unprovided() -> set[str]:
    doc = (ROOT / "docs" / "freebsd.md").read_text()
    section = doc.split("### Declared, not provided", 1)[1].split("\n#", 1)[0]
    listed = section.split("calls copyin_nofault):", 1)[1]
    return set(re.findall(r"\b[a-z_]\w*\b", listed))


def test_every_declared_function_is_provided_or_documented_as_not():
    system = kemu.boot("freebsd", "x86_64")
    resolve = system.kernel.resolver()
    missing = {n for n in _declared_functions() if resolve(n) is None}
    assert missing, "the header scan found nothing to check"
    assert missing - _documented_unprovided() == set()


def test_nothing_documented_as_not_provided_is_provided():
    system = kemu.boot("freebsd", "x86_64")
    resolve = system.kernel.resolver()
    declared = _declared_functions()
    assert {n for n in _documented_unprovided() & declared if resolve(n) is not None} == set()
