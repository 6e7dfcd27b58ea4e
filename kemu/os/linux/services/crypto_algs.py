"""The crypto API's registration of every algorithm type but shash (crypto/algapi.c,
skcipher.c, aead.c, akcipher.c, kpp.c, rng.c, scompress.c; 6.1), and its templates and
request queues.

Each crypto_register_<type> does the type's preparation the kernel does (its size limits,
-EINVAL past them; the defaults it fills in: an skcipher's chunksize and walksize, an aead's
chunksize, an akcipher's missing operations) and then crypto_register_alg's common checks
and list insertion (kemu/os/linux/crypto.py: -EINVAL for a malformed algorithm, -EEXIST for
a driver name already taken). The plural forms register an array and withdraw what they
registered when one fails, as the kernel does; unregistering goes last first. Templates
("cbc", "gcm", "hmac", ...) go on the template list; kemu does not instantiate them.
"""
from __future__ import annotations

from typing import Callable

from kemu.kernel import ServiceTable

from .owner import owning_module

table = ServiceTable("crypto_algs")

PAGE_SIZE = 4096
CRYPTO_ALG_TYPE_MASK = 0xF
DEFAULT_OP = "__kemu_akcipher_default_op"
DEFAULT_SET_KEY = "__kemu_akcipher_default_set_key"


def _api(k):
    return k.linux.crypto


def _off(k, struct: str, field: str) -> int:
    return k.linux.layout.offset(struct, field)


def _module(k, call, base: int):
    return owning_module(k, call, k.machine.mem.read_ptr(base + _off(k, "struct crypto_alg", "cra_module")))


def _u32(k, addr: int, struct: str, field: str) -> int:
    return k.machine.mem.read_u32(addr + _off(k, struct, field))


def _default_u32(k, addr: int, struct: str, field: str, value: int) -> None:
    """`if (!alg->field) alg->field = value;`"""
    if not _u32(k, addr, struct, field):
        k.machine.mem.write_u32(addr + _off(k, struct, field), value)


# --- each type's preparation: 0 or a negative errno --------------------------------------------
def _prepare_skcipher(k, alg: int, base: int) -> int:
    """skcipher_prepare_alg: ivsize, chunksize and walksize at most PAGE_SIZE / 8; chunksize
    defaults to the block size and walksize to the chunksize."""
    sk = "struct skcipher_alg"
    if any(_u32(k, alg, sk, f) > PAGE_SIZE // 8 for f in ("ivsize", "chunksize", "walksize")):
        return -k.linux.errno.EINVAL
    _default_u32(k, alg, sk, "chunksize", k.machine.mem.read_u32(base + _off(k, "struct crypto_alg", "cra_blocksize")))
    _default_u32(k, alg, sk, "walksize", _u32(k, alg, sk, "chunksize"))
    return 0


def _prepare_aead(k, alg: int, base: int) -> int:
    """aead_prepare_alg: the larger of maxauthsize and ivsize at most PAGE_SIZE / 8; chunksize
    defaults to the block size."""
    if max(_u32(k, alg, "struct aead_alg", "maxauthsize"), _u32(k, alg, "struct aead_alg", "ivsize")) > PAGE_SIZE // 8:
        return -k.linux.errno.EINVAL
    _default_u32(k, alg, "struct aead_alg", "chunksize",
                 k.machine.mem.read_u32(base + _off(k, "struct crypto_alg", "cra_blocksize")))
    return 0


def _prepare_akcipher(k, alg: int, base: int) -> int:
    """akcipher_prepare_alg: the operations an algorithm leaves NULL answer -ENOSYS, a missing
    set_priv_key likewise (akcipher_default_op / akcipher_default_set_key)."""
    mem = k.machine.mem
    for field, service in (("sign", DEFAULT_OP), ("verify", DEFAULT_OP), ("encrypt", DEFAULT_OP),
                           ("decrypt", DEFAULT_OP), ("set_priv_key", DEFAULT_SET_KEY)):
        at = alg + _off(k, "struct akcipher_alg", field)
        if not mem.read_ptr(at):
            mem.write_ptr(at, k.installed[service][1])
    return 0


def _prepare_rng(k, alg: int, base: int) -> int:
    """crypto_register_rng: a seed size above PAGE_SIZE / 8 is -EINVAL."""
    return -k.linux.errno.EINVAL if _u32(k, alg, "struct rng_alg", "seedsize") > PAGE_SIZE // 8 else 0


def _no_preparation(k, alg: int, base: int) -> int:
    return 0


#: kind -> (its struct, its preparation)
TYPES: dict[str, tuple[str, Callable[..., int]]] = {
    "skcipher": ("struct skcipher_alg", _prepare_skcipher),
    "aead": ("struct aead_alg", _prepare_aead),
    "akcipher": ("struct akcipher_alg", _prepare_akcipher),
    "kpp": ("struct kpp_alg", _no_preparation),
    "rng": ("struct rng_alg", _prepare_rng),
    "scomp": ("struct scomp_alg", _no_preparation),
}


def _register(k, call, kind: str, alg: int) -> int:
    struct, prepare = TYPES[kind]
    base = alg + _off(k, struct, "base")
    ret = prepare(k, alg, base)
    return ret if ret else _api(k).register(alg, base, kind, _module(k, call, base))


def _unregister(k, kind: str, alg: int) -> None:
    _api(k).unregister(alg + _off(k, TYPES[kind][0], "base"))


def register_each(first: int, count: int, size: int, register: Callable[[int], int],
                  unregister: Callable[[int], None]) -> int:
    """What every crypto_register_<type>s does with an array: register `count` structs of
    `size` bytes from `first` in order; on a failure unregister those before it (last
    first) and return the error."""
    for i in range(count):
        ret = register(first + i * size)
        if ret:
            for j in range(i - 1, -1, -1):
                unregister(first + j * size)
            return ret
    return 0


def unregister_each(first: int, count: int, size: int, unregister: Callable[[int], None]) -> None:
    """crypto_unregister_<type>s: the array's structs, last first."""
    for i in range(count - 1, -1, -1):
        unregister(first + i * size)


def _register_array(k, call, kind: str, algs: int, count: int) -> int:
    return register_each(algs, count, k.linux.layout.size(TYPES[kind][0]),
                         lambda at: _register(k, call, kind, at), lambda at: _unregister(k, kind, at))


def _unregister_array(k, kind: str, algs: int, count: int) -> None:
    unregister_each(algs, count, k.linux.layout.size(TYPES[kind][0]), lambda at: _unregister(k, kind, at))


@table.service(f"int {DEFAULT_OP}(void *req)")
def akcipher_default_op(k, req: int) -> int:
    """akcipher_default_op: the operation the algorithm does not have."""
    return -k.linux.errno.ENOSYS


@table.service(f"int {DEFAULT_SET_KEY}(void *tfm, const void *key, unsigned int keylen)")
def akcipher_default_set_key(k, tfm: int, key: int, keylen: int) -> int:
    """akcipher_default_set_key: an algorithm without private keys."""
    return -k.linux.errno.ENOSYS


# --- the bare struct crypto_alg: ciphers and compressors ---------------------------------------
def _bare_kind(k, alg: int) -> str:
    kind = k.machine.mem.read_u32(alg + _off(k, "struct crypto_alg", "cra_flags")) & CRYPTO_ALG_TYPE_MASK
    return {1: "cipher", 2: "compression"}.get(kind, "cipher")


@table.service("int crypto_register_alg(struct crypto_alg *alg)", needs_call=True)
def crypto_register_alg(k, alg: int, call=None) -> int:
    """A single-block cipher or a compressor (its type in cra_flags) onto the algorithm list."""
    return _api(k).register(alg, alg, _bare_kind(k, alg), _module(k, call, alg))


@table.service("void crypto_unregister_alg(struct crypto_alg *alg)")
def crypto_unregister_alg(k, alg: int) -> None:
    """Off the list (a warning if never on it), then its cra_destroy."""
    _api(k).unregister(alg)


@table.service("int crypto_register_algs(struct crypto_alg *algs, int count)", needs_call=True)
def crypto_register_algs(k, algs: int, count: int, call=None) -> int:
    """Register an array; on a failure the ones before are withdrawn."""
    return register_each(algs, count, k.linux.layout.size("struct crypto_alg"),
                         lambda at: _api(k).register(at, at, _bare_kind(k, at), _module(k, call, at)),
                         _api(k).unregister)


@table.service("void crypto_unregister_algs(struct crypto_alg *algs, int count)")
def crypto_unregister_algs(k, algs: int, count: int) -> None:
    unregister_each(algs, count, k.linux.layout.size("struct crypto_alg"), _api(k).unregister)


# --- the typed algorithms -----------------------------------------------------------------------
@table.service("int crypto_register_skcipher(struct skcipher_alg *alg)", needs_call=True)
def crypto_register_skcipher(k, alg: int, call=None) -> int:
    return _register(k, call, "skcipher", alg)


@table.service("void crypto_unregister_skcipher(struct skcipher_alg *alg)")
def crypto_unregister_skcipher(k, alg: int) -> None:
    _unregister(k, "skcipher", alg)


@table.service("int crypto_register_skciphers(struct skcipher_alg *algs, int count)", needs_call=True)
def crypto_register_skciphers(k, algs: int, count: int, call=None) -> int:
    return _register_array(k, call, "skcipher", algs, count)


@table.service("void crypto_unregister_skciphers(struct skcipher_alg *algs, int count)")
def crypto_unregister_skciphers(k, algs: int, count: int) -> None:
    _unregister_array(k, "skcipher", algs, count)


@table.service("int crypto_register_aead(struct aead_alg *alg)", needs_call=True)
def crypto_register_aead(k, alg: int, call=None) -> int:
    return _register(k, call, "aead", alg)


@table.service("void crypto_unregister_aead(struct aead_alg *alg)")
def crypto_unregister_aead(k, alg: int) -> None:
    _unregister(k, "aead", alg)


@table.service("int crypto_register_aeads(struct aead_alg *algs, int count)", needs_call=True)
def crypto_register_aeads(k, algs: int, count: int, call=None) -> int:
    return _register_array(k, call, "aead", algs, count)


@table.service("void crypto_unregister_aeads(struct aead_alg *algs, int count)")
def crypto_unregister_aeads(k, algs: int, count: int) -> None:
    _unregister_array(k, "aead", algs, count)


@table.service("int crypto_register_akcipher(struct akcipher_alg *alg)", needs_call=True)
def crypto_register_akcipher(k, alg: int, call=None) -> int:
    return _register(k, call, "akcipher", alg)


@table.service("void crypto_unregister_akcipher(struct akcipher_alg *alg)")
def crypto_unregister_akcipher(k, alg: int) -> None:
    _unregister(k, "akcipher", alg)


@table.service("int crypto_register_kpp(struct kpp_alg *alg)", needs_call=True)
def crypto_register_kpp(k, alg: int, call=None) -> int:
    return _register(k, call, "kpp", alg)


@table.service("void crypto_unregister_kpp(struct kpp_alg *alg)")
def crypto_unregister_kpp(k, alg: int) -> None:
    _unregister(k, "kpp", alg)


@table.service("int crypto_register_rng(struct rng_alg *alg)", needs_call=True)
def crypto_register_rng(k, alg: int, call=None) -> int:
    return _register(k, call, "rng", alg)


@table.service("void crypto_unregister_rng(struct rng_alg *alg)")
def crypto_unregister_rng(k, alg: int) -> None:
    _unregister(k, "rng", alg)


@table.service("int crypto_register_rngs(struct rng_alg *algs, int count)", needs_call=True)
def crypto_register_rngs(k, algs: int, count: int, call=None) -> int:
    return _register_array(k, call, "rng", algs, count)


@table.service("void crypto_unregister_rngs(struct rng_alg *algs, int count)")
def crypto_unregister_rngs(k, algs: int, count: int) -> None:
    _unregister_array(k, "rng", algs, count)


@table.service("int crypto_register_scomp(struct scomp_alg *alg)", needs_call=True)
def crypto_register_scomp(k, alg: int, call=None) -> int:
    return _register(k, call, "scomp", alg)


@table.service("void crypto_unregister_scomp(struct scomp_alg *alg)")
def crypto_unregister_scomp(k, alg: int) -> None:
    _unregister(k, "scomp", alg)


@table.service("int crypto_register_scomps(struct scomp_alg *algs, int count)", needs_call=True)
def crypto_register_scomps(k, algs: int, count: int, call=None) -> int:
    return _register_array(k, call, "scomp", algs, count)


@table.service("void crypto_unregister_scomps(struct scomp_alg *algs, int count)")
def crypto_unregister_scomps(k, algs: int, count: int) -> None:
    _unregister_array(k, "scomp", algs, count)


# --- templates ----------------------------------------------------------------------------------
def _template_module(k, call, tmpl: int):
    return owning_module(k, call, k.machine.mem.read_ptr(tmpl + _off(k, "struct crypto_template", "module")))


@table.service("int crypto_register_template(struct crypto_template *tmpl)", needs_call=True)
def crypto_register_template(k, tmpl: int, call=None) -> int:
    """Onto the template list; -EEXIST if this template is on it already."""
    return _api(k).register_template(tmpl, _template_module(k, call, tmpl))


@table.service("void crypto_unregister_template(struct crypto_template *tmpl)")
def crypto_unregister_template(k, tmpl: int) -> None:
    _api(k).unregister_template(tmpl)


@table.service("int crypto_register_templates(struct crypto_template *tmpls, int count)", needs_call=True)
def crypto_register_templates(k, tmpls: int, count: int, call=None) -> int:
    """Register an array; on a failure those before are unregistered (last first)."""
    return register_each(tmpls, count, k.linux.layout.size("struct crypto_template"),
                         lambda at: _api(k).register_template(at, _template_module(k, call, at)),
                         _api(k).unregister_template)


@table.service("void crypto_unregister_templates(struct crypto_template *tmpls, int count)")
def crypto_unregister_templates(k, tmpls: int, count: int) -> None:
    unregister_each(tmpls, count, k.linux.layout.size("struct crypto_template"), _api(k).unregister_template)


# --- request queues -----------------------------------------------------------------------------
@table.service("void crypto_init_queue(struct crypto_queue *queue, unsigned int max_qlen)")
def crypto_init_queue(k, queue: int, max_qlen: int) -> None:
    """An empty queue: its list empty, the backlog mark at the list head (nothing backlogged),
    no requests, room for max_qlen."""
    from ..list_head import init_list
    mem = k.machine.mem
    head = queue + _off(k, "struct crypto_queue", "list")
    init_list(k, head)
    mem.write_ptr(queue + _off(k, "struct crypto_queue", "backlog"), head)
    mem.write_u32(queue + _off(k, "struct crypto_queue", "qlen"), 0)
    mem.write_u32(queue + _off(k, "struct crypto_queue", "max_qlen"), max_qlen)
