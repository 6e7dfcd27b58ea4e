"""Transforms: allocating, using and freeing them (crypto/api.c, shash.c, ahash.c, skcipher.c;
Linux 6.1).

crypto_alloc_<type>(name, type, mask) finds the algorithm (crypto_lookup.py: driver name or
best priority, module "crypto-NAME" loaded on demand, -ENOENT when there is none), creates
the frontend with the algorithm's context behind it, takes a reference on the algorithm and
its module and runs its init (crypto.py alloc_tfm); a failure is an ERR_PTR. The shash calls
a module makes on the transform go to the algorithm's own functions with the kernel's
checks (CRYPTO_TFM_NEED_KEY until a key is set; the algorithm's missing finup/digest done
as update+final / init+finup as the kernel's defaults do). crypto_destroy_tfm runs the
exit, drops the references and frees the memory; a transform never freed is a heap block
charged to its allocator, which unload reports as a leak.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

from ..crypto import CRYPTO_ALG_ASYNC, CRYPTO_ALG_OPTIONAL_KEY, CryptoError
from ..crypto_lookup import lookup, narrow

table = ServiceTable("crypto_tfm")

CRYPTO_TFM_NEED_KEY = 0x1
MAX_SYNC_SKCIPHER_REQSIZE = 384


def _name(k, at: int) -> str:
    if at < 4096:
        raise KernelPanic(f"BUG: kernel NULL pointer dereference, address: {at:#x} (crypto algorithm name)")
    return k.read_str(at, 128).decode("latin-1")


def err_ptr(k, errno: int) -> int:
    """ERR_PTR(-errno) as the guest's pointer word."""
    return (1 << (8 * k.machine.word_size)) - errno


def is_err(k, ptr: int) -> bool:
    return ptr >= (1 << (8 * k.machine.word_size)) - 4095


def _caller(call):
    return call.return_address if call is not None else None


def _alloc(k, name: int, type_: int, mask: int, kind: str | None, frontend: str, call) -> int:
    """crypto_alloc_tfm: the frontend's address, or ERR_PTR(errno)."""
    api = k.linux.crypto
    t, msk = narrow(kind, type_, mask)
    try:
        alg = lookup(api, _name(k, name), t, msk)
        return api.alloc_tfm(alg, frontend, _caller(call))
    except CryptoError as err:
        return err_ptr(k, -err.errno if err.errno else k.errno.ENOENT)


def _tfm_of(k, frontend: int, what: str):
    """(algorithm, its crypto_tfm) of a live transform; an oops for anything else."""
    entry = k.linux.crypto.tfms.get(frontend)
    if entry is None:
        raise KernelPanic(f"{what}: {frontend:#x} is not a transform the crypto API allocated")
    return entry


def _flags_at(k, tfm: int) -> int:
    return tfm + k.linux.layout.offset("struct crypto_tfm", "crt_flags")


def _set_needkey(k, frontend: int, setkey_field: int) -> None:
    """shash_set_needkey / skcipher_set_needkey: a keyed algorithm without an optional key
    refuses to hash or encrypt until setkey succeeds."""
    alg, tfm = _tfm_of(k, frontend, "crypto")
    mem = k.machine.mem
    flags = mem.read_u32(k.linux.crypto.cra(alg.base, "cra_flags"))
    if setkey_field and not flags & CRYPTO_ALG_OPTIONAL_KEY:
        mem.write_u32(_flags_at(k, tfm), mem.read_u32(_flags_at(k, tfm)) | CRYPTO_TFM_NEED_KEY)


def _shash_field(k, alg, field: str) -> int:
    return k.machine.mem.read_ptr(alg.addr + k.linux.layout.offset("struct shash_alg", field))


@table.service("struct crypto_shash *crypto_alloc_shash(const char *alg_name, u32 type, u32 mask)",
               needs_call=True)
def crypto_alloc_shash(k, alg_name: int, type_: int, mask: int, call=None) -> int:
    """A synchronous hash transform; ERR_PTR(-ENOENT) when no such hash exists or can be loaded."""
    hash_ = _alloc(k, alg_name, type_, mask, "shash", "struct crypto_shash", call)
    if hash_ in k.linux.crypto.tfms:
        alg, _ = k.linux.crypto.tfms[hash_]
        _set_needkey(k, hash_, _shash_field(k, alg, "setkey"))
    return hash_


@table.service("void *crypto_alloc_base(const char *alg_name, u32 type, u32 mask)", needs_call=True)
def crypto_alloc_base(k, alg_name: int, type_: int, mask: int, call=None) -> int:
    """A bare crypto_tfm (single-block ciphers, compressors: crypto_alloc_cipher/comp are this
    with their type bits)."""
    return _alloc(k, alg_name, type_, mask, None, "struct crypto_tfm", call)


@table.service("struct crypto_skcipher *crypto_alloc_skcipher(const char *alg_name, u32 type, u32 mask)",
               needs_call=True)
def crypto_alloc_skcipher(k, alg_name: int, type_: int, mask: int, call=None) -> int:
    """A symmetric key cipher transform."""
    return _alloc_skcipher(k, alg_name, type_, mask, call)


def _alloc_skcipher(k, alg_name: int, type_: int, mask: int, call) -> int:
    tfm = _alloc(k, alg_name, type_, mask, "skcipher", "struct crypto_skcipher", call)
    if tfm in k.linux.crypto.tfms:
        alg, _ = k.linux.crypto.tfms[tfm]
        lay, mem = k.linux.layout, k.machine.mem
        _set_needkey(k, tfm, mem.read_ptr(alg.addr + lay.offset("struct skcipher_alg", "setkey")))
    return tfm


@table.service("struct crypto_sync_skcipher *crypto_alloc_sync_skcipher(const char *alg_name, u32 type, u32 mask)",
               needs_call=True)
def crypto_alloc_sync_skcipher(k, alg_name: int, type_: int, mask: int, call=None) -> int:
    """An skcipher restricted to synchronous algorithms whose request fits on the stack
    (a bigger reqsize is the kernel's WARN and -EINVAL)."""
    tfm = _alloc_skcipher(k, alg_name, type_, mask | CRYPTO_ALG_ASYNC, call)
    if tfm in k.linux.crypto.tfms:
        reqsize = k.machine.mem.read_u32(tfm + k.linux.layout.offset("struct crypto_skcipher", "reqsize"))
        if reqsize > MAX_SYNC_SKCIPHER_REQSIZE:
            k.linux.pr(f"WARNING: crypto_alloc_sync_skcipher: reqsize {reqsize} > {MAX_SYNC_SKCIPHER_REQSIZE}", 4)
            k.linux.crypto.free_tfm(tfm)
            return err_ptr(k, k.errno.EINVAL)
    return tfm


def _has(k, alg_name: int, type_: int, mask: int, kind: str | None) -> int:
    """crypto_has_alg: 1 when the algorithm exists (or could be loaded), else 0."""
    t, msk = narrow(kind, type_, mask)
    try:
        lookup(k.linux.crypto, _name(k, alg_name), t, msk)
    except CryptoError:
        return 0
    return 1


@table.service("int crypto_has_ahash(const char *alg_name, u32 type, u32 mask)")
def crypto_has_ahash(k, alg_name: int, type_: int, mask: int) -> int:
    """Whether an asynchronous-capable hash (an ahash, or an shash it would wrap) exists."""
    return _has(k, alg_name, type_, mask, "ahash")


@table.service("int crypto_has_alg(const char *name, u32 type, u32 mask)")
def crypto_has_alg(k, name: int, type_: int, mask: int) -> int:
    """Whether any algorithm matching the type bits exists."""
    return _has(k, name, type_, mask, None)


@table.service("int crypto_has_skcipher(const char *alg_name, u32 type, u32 mask)")
def crypto_has_skcipher(k, alg_name: int, type_: int, mask: int) -> int:
    """Whether a symmetric key cipher of that name exists."""
    return _has(k, alg_name, type_, mask, "skcipher")


@table.service("void crypto_destroy_tfm(void *mem, struct crypto_tfm *tfm)")
def crypto_destroy_tfm(k, mem: int, tfm: int) -> None:
    """The transform's exit, its references dropped, its memory freed; NULL or an ERR_PTR is
    nothing to do."""
    if not mem or is_err(k, mem):
        return
    try:
        k.linux.crypto.free_tfm(mem)
    except CryptoError as err:
        raise KernelPanic(str(err)) from None


# --- the shash calls ---------------------------------------------------------------------------
def _desc_alg(k, desc: int, what: str):
    if desc < 4096:
        raise KernelPanic(f"BUG: kernel NULL pointer dereference ({what}: shash_desc {desc:#x})")
    hash_ = k.machine.mem.read_ptr(desc + k.linux.layout.offset("struct shash_desc", "tfm"))
    return hash_, _tfm_of(k, hash_, what)


def _call(k, alg, field: str, *args: int) -> int:
    fn = _shash_field(k, alg, field)
    return k.linux.call_kernel_pointer(fn, *args, what=f"{alg.driver}: {field}")


def _update(k, alg, desc: int, data: int, length: int) -> int:
    return _call(k, alg, "update", desc, data, length)


def _final(k, alg, desc: int, out: int) -> int:
    return _call(k, alg, "final", desc, out)


def _finup(k, alg, desc: int, data: int, length: int, out: int) -> int:
    """The algorithm's finup, or shash_finup_unaligned's update + final."""
    if _shash_field(k, alg, "finup"):
        return _call(k, alg, "finup", desc, data, length, out)
    ret = _update(k, alg, desc, data, length)
    return ret if ret else _final(k, alg, desc, out)


def _digest(k, alg, desc: int, data: int, length: int, out: int) -> int:
    """The algorithm's digest, or shash_digest_unaligned's init + finup."""
    if _shash_field(k, alg, "digest"):
        return _call(k, alg, "digest", desc, data, length, out)
    ret = _call(k, alg, "init", desc)
    return ret if ret else _finup(k, alg, desc, data, length, out)


def _need_key(k, tfm: int) -> bool:
    return bool(k.machine.mem.read_u32(_flags_at(k, tfm)) & CRYPTO_TFM_NEED_KEY)


@table.service("int crypto_shash_update(struct shash_desc *desc, const u8 *data, unsigned int len)")
def crypto_shash_update(k, desc: int, data: int, length: int) -> int:
    """The algorithm's update over `len` bytes."""
    _, (alg, _tfm) = _desc_alg(k, desc, "crypto_shash_update")
    return _update(k, alg, desc, data, length)


@table.service("int crypto_shash_final(struct shash_desc *desc, u8 *out)")
def crypto_shash_final(k, desc: int, out: int) -> int:
    """The algorithm's final: the digest written to `out`."""
    _, (alg, _tfm) = _desc_alg(k, desc, "crypto_shash_final")
    return _final(k, alg, desc, out)


@table.service("int crypto_shash_finup(struct shash_desc *desc, const u8 *data, unsigned int len, u8 *out)")
def crypto_shash_finup(k, desc: int, data: int, length: int, out: int) -> int:
    """The last bytes and the digest in one step."""
    _, (alg, _tfm) = _desc_alg(k, desc, "crypto_shash_finup")
    return _finup(k, alg, desc, data, length, out)


@table.service("int crypto_shash_digest(struct shash_desc *desc, const u8 *data, unsigned int len, u8 *out)")
def crypto_shash_digest(k, desc: int, data: int, length: int, out: int) -> int:
    """init + update + final; -ENOKEY while a keyed algorithm has no key."""
    _, (alg, tfm) = _desc_alg(k, desc, "crypto_shash_digest")
    if _need_key(k, tfm):
        return -k.errno.ENOKEY
    return _digest(k, alg, desc, data, length, out)


@table.service("int crypto_shash_tfm_digest(struct crypto_shash *tfm, const u8 *data, unsigned int len, u8 *out)")
def crypto_shash_tfm_digest(k, hash_: int, data: int, length: int, out: int) -> int:
    """A digest with a descriptor of the kernel's own (zeroed after use)."""
    alg, tfm = _tfm_of(k, hash_, "crypto_shash_tfm_digest")
    if _need_key(k, tfm):
        return -k.errno.ENOKEY
    lay, mem = k.linux.layout, k.machine.mem
    size = lay.size("struct shash_desc") + mem.read_u32(hash_ + lay.offset("struct crypto_shash", "descsize"))
    desc = k.heap.alloc(size, "shash_desc", zero=True)
    try:
        mem.write_ptr(desc + lay.offset("struct shash_desc", "tfm"), hash_)
        return _digest(k, alg, desc, data, length, out)
    finally:
        mem.write(desc, bytes(size))
        k.heap.free(desc)


@table.service("int crypto_shash_setkey(struct crypto_shash *tfm, const u8 *key, unsigned int keylen)")
def crypto_shash_setkey(k, hash_: int, key: int, keylen: int) -> int:
    """The algorithm's setkey (-ENOSYS for an unkeyed one); NEED_KEY cleared on success and
    set again on failure."""
    alg, tfm = _tfm_of(k, hash_, "crypto_shash_setkey")
    setkey = _shash_field(k, alg, "setkey")
    if not setkey:
        return -k.errno.ENOSYS
    ret = k.linux.call_kernel_pointer(setkey, hash_, key, keylen, what=f"{alg.driver}: setkey")
    mem = k.machine.mem
    if ret:
        _set_needkey(k, hash_, setkey)
    else:
        mem.write_u32(_flags_at(k, tfm), mem.read_u32(_flags_at(k, tfm)) & ~CRYPTO_TFM_NEED_KEY)
    return ret


# --- compressors ---------------------------------------------------------------------------------
def _comp(k, tfm: int, field: str, src: int, slen: int, dst: int, dlen: int) -> int:
    alg, base = _tfm_of(k, tfm, f"crypto_comp_{field}")
    fn = k.machine.mem.read_ptr(k.linux.crypto.cra(alg.base, f"cra_u.compress.coa_{field}"))
    return k.linux.call_kernel_pointer(fn, base, src, slen, dst, dlen, what=f"{alg.driver}: coa_{field}")


@table.service("int crypto_comp_compress(struct crypto_comp *comp, const u8 *src, unsigned int slen, u8 *dst, "
               "unsigned int *dlen)")
def crypto_comp_compress(k, comp: int, src: int, slen: int, dst: int, dlen: int) -> int:
    """The compressor's coa_compress."""
    return _comp(k, comp, "compress", src, slen, dst, dlen)


@table.service("int crypto_comp_decompress(struct crypto_comp *comp, const u8 *src, unsigned int slen, u8 *dst, "
               "unsigned int *dlen)")
def crypto_comp_decompress(k, comp: int, src: int, slen: int, dst: int, dlen: int) -> int:
    """The compressor's coa_decompress."""
    return _comp(k, comp, "decompress", src, slen, dst, dlen)


# --- ahash registration ------------------------------------------------------------------------
@table.service("int crypto_register_ahash(struct ahash_alg *alg)", needs_call=True)
def crypto_register_ahash(k, alg: int, call=None) -> int:
    """ahash_prepare_alg (digest size past HASH_MAX_DIGESTSIZE, a state size of 0 or past
    HASH_MAX_STATESIZE: -EINVAL) and the common registration."""
    from .owner import owning_module
    from ..crypto import HASH_MAX_DIGESTSIZE, HASH_MAX_STATESIZE
    lay, mem = k.linux.layout, k.machine.mem
    halg = alg + lay.offset("struct ahash_alg", "halg")
    digestsize = mem.read_u32(halg + lay.offset("struct hash_alg_common", "digestsize"))
    statesize = mem.read_u32(halg + lay.offset("struct hash_alg_common", "statesize"))
    if digestsize > HASH_MAX_DIGESTSIZE or statesize > HASH_MAX_STATESIZE or statesize == 0:
        return -k.errno.EINVAL
    base = halg + lay.offset("struct hash_alg_common", "base")
    owner = owning_module(k, call, mem.read_ptr(base + lay.offset("struct crypto_alg", "cra_module")))
    return k.linux.crypto.register(alg, base, "ahash", owner)


@table.service("void crypto_unregister_ahash(struct ahash_alg *alg)")
def crypto_unregister_ahash(k, alg: int) -> None:
    """Off the table (warnings for one never registered or still in use)."""
    lay = k.linux.layout
    k.linux.crypto.unregister(alg + lay.offset("struct ahash_alg", "halg") + lay.offset("struct hash_alg_common", "base"))
