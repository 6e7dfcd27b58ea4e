"""The crypto API's registration of hash algorithms (crypto/shash.c, crypto/algapi.c): a
module's struct shash_alg enters the kernel's algorithm table (kemu/os/linux/crypto.py),
from which `system.crypto.digest()` and /proc/crypto use it."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .owner import owning_module

table = ServiceTable("crypto")


def _module(k, call, alg: int):
    lay = k.linux.layout
    base = alg + lay.offset("struct shash_alg", "base")
    return owning_module(k, call, k.machine.mem.read_ptr(base + lay.offset("struct crypto_alg", "cra_module")))


@table.service("int crypto_register_shash(struct shash_alg *alg)", needs_call=True)
def crypto_register_shash(k, alg: int, call=None) -> int:
    """Check the algorithm's sizes and names, mark it a shash, add it to the table; -EINVAL for
    a malformed one, -EEXIST for a driver name already registered."""
    return k.linux.crypto.register_shash(alg, _module(k, call, alg))


@table.service("void crypto_unregister_shash(struct shash_alg *alg)")
def crypto_unregister_shash(k, alg: int) -> None:
    """Take the algorithm out of the table (a warning if it was never in it)."""
    k.linux.crypto.unregister_shash(alg)


@table.service("int crypto_register_shashes(struct shash_alg *algs, int count)", needs_call=True)
def crypto_register_shashes(k, algs: int, count: int, call=None) -> int:
    """Register `count` consecutive algorithms; on a failure the ones before are withdrawn."""
    from .crypto_algs import register_each
    return register_each(algs, count, k.linux.layout.size("struct shash_alg"),
                         lambda at: k.linux.crypto.register_shash(at, _module(k, call, at)),
                         k.linux.crypto.unregister_shash)


@table.service("void crypto_unregister_shashes(struct shash_alg *algs, int count)")
def crypto_unregister_shashes(k, algs: int, count: int) -> None:
    """Unregister `count` consecutive algorithms, last first."""
    from .crypto_algs import unregister_each
    unregister_each(algs, count, k.linux.layout.size("struct shash_alg"), k.linux.crypto.unregister_shash)
