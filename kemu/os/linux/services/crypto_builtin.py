"""The hash algorithms and compressors Debian's 6.1 kernel has built in (CONFIG_CRYPTO_SHA1=y,
SHA256=y, MD5=y, DEFLATE=y, LZO=y: crypto/sha1_generic.c, sha256_generic.c, md5.c,
deflate.c, lzo.c): sha1-generic, sha224-generic, sha256-generic, md5-generic, deflate-generic
and lzo-generic are in the algorithm table from boot, so a module asking for "sha1" or "lzo"
finds it without any module loading (ppp_mppe's crypto_has_ahash("sha1"), ubifs's
crypto_alloc_comp("lzo")).

The compressors are struct crypto_alg with coa_compress/coa_decompress services: deflate is
zlib's raw deflate with the kernel's parameters (window bits 11, memory level 8, the default
level), lzo is kemu/os/linux/lzo1x.py. Both refuse output that does not fit *dlen with
-EINVAL, as the kernel's do.

kemu has no vmlinux machine code, so each is a struct shash_alg in kernel data whose
init/update/final are kemu services computing the digest with Python's hashlib. The
algorithm's descsize is the kernel's (sizeof(struct sha1_state), ...) so a module's
SHASH_DESC_ON_STACK is the size it would be; the running state itself is kept by kemu per
shash_desc address (replaced at each init), not in the descriptor's bytes, so a module that
copies a descriptor's bytes to resume it elsewhere (export/import) is not modelled: these
algorithms have no export/import, and crypto_shash_export refuses them.
"""
from __future__ import annotations

import hashlib

from kemu.kernel import KernelPanic, ServiceTable

table = ServiceTable("crypto_builtin")

#: (cra_name, cra_driver_name, priority, hashlib name, blocksize, its state struct)
BUILTIN_SHASH = (
    ("sha1", "sha1-generic", 100, "sha1", 64, "struct sha1_state"),
    ("sha224", "sha224-generic", 100, "sha224", 64, "struct sha256_state"),
    ("sha256", "sha256-generic", 100, "sha256", 64, "struct sha256_state"),
    ("md5", "md5-generic", 0, "md5", 64, "struct md5_state"),
)
INIT, UPDATE, FINAL = "__kemu_builtin_shash_init", "__kemu_builtin_shash_update", "__kemu_builtin_shash_final"
#: (cra_name, cra_driver_name): the built-in compressors (priority 0, as theirs)
BUILTIN_COMP = (("deflate", "deflate-generic"), ("lzo", "lzo-generic"))
COMPRESS, DECOMPRESS = "__kemu_builtin_compress", "__kemu_builtin_decompress"


def boot_memmap(k) -> None:
    """Set up the struct page map (services/page_struct.py) at boot: a module's inline
    sg_set_buf/virt_to_page reads vmemmap_base (x86-64) or mem_map (i386) before it calls
    any kernel function that would set it up on first use."""
    from .page_struct import memmap
    memmap(k)


def ensure_builtin(system) -> None:
    """Register the built-in algorithms once (the kernel does it at boot; kemu on the crypto
    API's first use, which nothing can tell apart)."""
    api = system.crypto
    if getattr(api, "builtin_hashes", None) is not None:
        return
    api.builtin_hashes = {}
    k, lay, m = system.kernel, system.layout, system.machine
    off = lambda f: lay.offset("struct shash_alg", f)                     # noqa: E731
    cra = lambda f: lay.offset("struct shash_alg", "base") + lay.offset("struct crypto_alg", f)   # noqa: E731
    for name, driver, prio, py, blocksize, state in BUILTIN_SHASH:
        alg = m.alloc("kdata", lay.size("struct shash_alg"), 64)
        m.mem.write(alg, bytes(lay.size("struct shash_alg")))
        for field, service in (("init", INIT), ("update", UPDATE), ("final", FINAL)):
            m.mem.write_ptr(alg + off(field), k.installed[service][1])
        m.mem.write_u32(alg + off("digestsize"), hashlib.new(py).digest_size)
        m.mem.write_u32(alg + off("descsize"), lay.size(state))
        m.mem.write(alg + cra("cra_name"), name.encode() + b"\0")
        m.mem.write(alg + cra("cra_driver_name"), driver.encode() + b"\0")
        m.mem.write_u32(alg + cra("cra_priority"), prio)
        m.mem.write_u32(alg + cra("cra_blocksize"), blocksize)
        ret = api.register_shash(alg, None)
        if ret:
            raise KernelPanic(f"crypto: built-in {driver} failed to register ({ret})")
        api.builtin_hashes[driver] = py
    cbase = lambda f: lay.offset("struct crypto_alg", f)                  # noqa: E731
    for name, driver in BUILTIN_COMP:
        alg = m.alloc("kdata", lay.size("struct crypto_alg"), 64)
        m.mem.write(alg, bytes(lay.size("struct crypto_alg")))
        m.mem.write_ptr(alg + cbase("cra_u.compress.coa_compress"), k.installed[COMPRESS][1])
        m.mem.write_ptr(alg + cbase("cra_u.compress.coa_decompress"), k.installed[DECOMPRESS][1])
        m.mem.write(alg + cbase("cra_name"), name.encode() + b"\0")
        m.mem.write(alg + cbase("cra_driver_name"), driver.encode() + b"\0")
        m.mem.write_u32(alg + cbase("cra_blocksize"), 1)
        ret = api.register(alg, alg, "compression", None)
        if ret:
            raise KernelPanic(f"crypto: built-in {driver} failed to register ({ret})")
    n = len(BUILTIN_SHASH) + len(BUILTIN_COMP)     # registered at boot: before any module's
    api.algorithms[:] = api.algorithms[-n:] + api.algorithms[:-n]
    api.builtin_states = {}


def _hashlib_name(k, desc: int, what: str) -> str:
    api = k.linux.crypto
    if desc < 4096:
        raise KernelPanic(f"BUG: kernel NULL pointer dereference ({what}: shash_desc {desc:#x})")
    tfm = k.machine.mem.read_ptr(desc + k.linux.layout.offset("struct shash_desc", "tfm"))
    entry = api.tfms.get(tfm)
    if entry is None or entry[0].driver not in api.builtin_hashes:
        raise KernelPanic(f"{what}: shash_desc {desc:#x} has no transform of a built-in hash (tfm {tfm:#x})")
    return api.builtin_hashes[entry[0].driver]


@table.service(f"int {INIT}(struct shash_desc *desc)")
def builtin_shash_init(k, desc: int) -> int:
    """The hash's initial state for this descriptor."""
    k.linux.crypto.builtin_states[desc] = hashlib.new(_hashlib_name(k, desc, "shash init"))
    return 0


def _state(k, desc: int, what: str):
    _hashlib_name(k, desc, what)
    state = k.linux.crypto.builtin_states.get(desc)
    if state is None:
        raise KernelPanic(f"{what}: shash_desc {desc:#x} was never initialised (crypto_shash_init)")
    return state


@table.service(f"int {UPDATE}(struct shash_desc *desc, const u8 *data, unsigned int len)")
def builtin_shash_update(k, desc: int, data: int, length: int) -> int:
    """Feed `len` bytes at `data` into the descriptor's state."""
    _state(k, desc, "shash update").update(k.machine.mem.read(data, length) if length else b"")
    return 0


@table.service(f"int {FINAL}(struct shash_desc *desc, u8 *out)")
def builtin_shash_final(k, desc: int, out: int) -> int:
    """Write the digest and forget the state (the kernel zeroes it)."""
    state = _state(k, desc, "shash final")
    k.machine.mem.write(out, state.digest())
    del k.linux.crypto.builtin_states[desc]
    return 0


def _comp_name(k, tfm: int, what: str) -> str:
    if tfm < 4096:
        raise KernelPanic(f"BUG: kernel NULL pointer dereference ({what}: crypto_tfm {tfm:#x})")
    alg = k.machine.mem.read_ptr(tfm + k.linux.layout.offset("struct crypto_tfm", "__crt_alg"))
    return k.read_str(alg + k.linux.layout.offset("struct crypto_alg", "cra_name"), 128).decode("latin-1")


def _run_comp(k, tfm: int, src: int, slen: int, dst: int, dlen: int, squeeze: bool) -> int:
    import zlib
    from ..lzo1x import LzoError, compress, decompress
    mem = k.machine.mem
    name = _comp_name(k, tfm, "compress" if squeeze else "decompress")
    room = mem.read_u32(dlen)
    data = mem.read(src, slen) if slen else b""
    try:
        if name == "deflate":
            if squeeze:
                z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -11, 8)
                out = z.compress(data) + z.flush()
            else:
                z = zlib.decompressobj(-11)
                out = z.decompress(data, room)
                if not z.eof:
                    return -k.errno.EINVAL
        else:
            out = compress(data) if squeeze else decompress(data, room)
    except (zlib.error, LzoError):
        return -k.errno.EINVAL
    if len(out) > room:
        return -k.errno.EINVAL
    mem.write(dst, out)
    mem.write_u32(dlen, len(out))
    return 0


@table.service(f"int {COMPRESS}(struct crypto_tfm *tfm, const u8 *src, unsigned int slen, u8 *dst, "
               "unsigned int *dlen)")
def builtin_compress(k, tfm: int, src: int, slen: int, dst: int, dlen: int) -> int:
    """Compress `slen` bytes into at most *dlen; *dlen set to the size written."""
    return _run_comp(k, tfm, src, slen, dst, dlen, True)


@table.service(f"int {DECOMPRESS}(struct crypto_tfm *tfm, const u8 *src, unsigned int slen, u8 *dst, "
               "unsigned int *dlen)")
def builtin_decompress(k, tfm: int, src: int, slen: int, dst: int, dlen: int) -> int:
    """Decompress into at most *dlen bytes; -EINVAL for a corrupt stream or too little room."""
    return _run_comp(k, tfm, src, slen, dst, dlen, False)
