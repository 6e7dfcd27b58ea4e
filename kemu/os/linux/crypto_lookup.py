"""Finding an algorithm for a transform (crypto/api.c crypto_alg_mod_lookup, crypto_find_alg;
Linux 6.1), over kemu's algorithm table (crypto.py).

The kernel matches an algorithm when `(cra_flags ^ type) & mask` is zero, after the
frontend narrowed type and mask to its own type bits (shash: exactly SHASH; skcipher:
SKCIPHER; ahash: AHASH or SHASH, which the ahash frontend wraps; a bare cipher or a
compressor: exactly theirs). Internal-only algorithms match only when the caller asks for
CRYPTO_ALG_INTERNAL. Among matches an exact driver name wins, else the highest priority
under cra_name. When nothing matches, the kernel asks for module "crypto-NAME" and looks
again; a name of the form "template(args)" is then built by the template (cryptomgr), which
kemu does not do (it has no spawn/instance machinery): such a name is -ENOENT with a line
saying why.

kemu runs no self-test when an algorithm registers, so the TESTED bit every lookup
requires is not consulted (alg_test, services/crypto_tfm.py, is what a caller gets when it
asks for a test).
"""
from __future__ import annotations

from .crypto import CRYPTO_ALG_INTERNAL, CRYPTO_ALG_TESTED, CRYPTO_ALG_TYPE_MASK, Algorithm, CryptoError

#: (type, maskclear, maskset) of each frontend's crypto_type
FRONTENDS = {
    "shash": (0xE, ~CRYPTO_ALG_TYPE_MASK, CRYPTO_ALG_TYPE_MASK),
    "skcipher": (0x5, ~CRYPTO_ALG_TYPE_MASK, 0xE),
    "ahash": (0xF, ~CRYPTO_ALG_TYPE_MASK, 0xE),
    "aead": (0x3, ~CRYPTO_ALG_TYPE_MASK, CRYPTO_ALG_TYPE_MASK),
    "rng": (0xC, ~CRYPTO_ALG_TYPE_MASK, CRYPTO_ALG_TYPE_MASK),
    None: (0, ~0, 0),                   # crypto_alloc_base / crypto_has_alg: the caller's own bits
}


def narrow(frontend: str | None, type_: int, mask: int) -> tuple[int, int]:
    """crypto_find_alg's narrowing of the caller's type and mask to the frontend's."""
    t, clear, setm = FRONTENDS[frontend]
    return (type_ & clear) | t, (mask & clear) | setm


def match(api, name: str, type_: int, mask: int) -> Algorithm | None:
    """__crypto_alg_lookup: exact driver name first, else the best priority for the name."""
    if not (type_ | mask) & CRYPTO_ALG_INTERNAL:
        mask |= CRYPTO_ALG_INTERNAL
    mask &= ~CRYPTO_ALG_TESTED
    mem, best = api.system.machine.mem, None
    for a in api.algorithms:
        flags = mem.read_u32(api.cra(a.base, "cra_flags"))
        if (flags ^ type_) & mask & 0xFFFFFFFF:
            continue
        if a.driver == name:
            return a
        if a.name == name and (best is None or a.priority > best.priority):
            best = a
    return best


def lookup(api, name: str, type_: int, mask: int) -> Algorithm:
    """crypto_alg_mod_lookup: the algorithm, loading "crypto-NAME" when none is registered;
    CryptoError -ENOENT when there is still none."""
    from .services.crypto_builtin import ensure_builtin
    s = api.system
    ensure_builtin(s)
    found = match(api, name, type_, mask)
    if found is None:
        request(s, f"crypto-{name}")
        found = match(api, name, type_, mask)
    if found is None and "(" in name:
        tmpl = name.split("(", 1)[0]
        if api.template(tmpl) is None:
            request(s, f"crypto-{tmpl}")
        s.pr(f"crypto: {name}: kemu does not instantiate templates"
             f"{'' if api.template(tmpl) is not None else f' (and no template {tmpl} is registered)'}", 6)
    if found is None:
        raise CryptoError(f"crypto: no algorithm {name!r}", -s.errno.ENOENT)
    return found


def request(system, name: str) -> int:
    """request_module(name): modprobe over the system's module tree, or over the corpus
    trial's tree (corpus/trial.py) when the system has none of its own."""
    from .services.kmod_request import modprobe
    tree = getattr(system, "corpus_tree", None)
    if system.modules_dep or not tree:
        return modprobe(system, name)
    from .corpus.trial import tree_index
    saved = system.module_dir, system.modules_dep
    system.module_dir, system.modules_dep = tree, tree_index(tree)
    try:
        return modprobe(system, name)
    finally:
        system.module_dir, system.modules_dep = saved
