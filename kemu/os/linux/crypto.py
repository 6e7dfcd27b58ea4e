"""The kernel crypto API's algorithm table (crypto/api.c, algapi.c, shash.c) and its use from
Python: `system.crypto.digest("md4", b"abc")` hashes through the registered algorithm's own
machine code, as a kernel user of crypto_alloc_shash + crypto_shash_digest would.

A module registers a `struct shash_alg` with crypto_register_shash (services/crypto.py);
the table keeps its address and what the kernel checked. digest() then does what the kernel
does for a user: picks the highest-priority algorithm whose cra_name or cra_driver_name
matches, allocates a tfm (struct crypto_shash with the algorithm's context behind its
crypto_tfm), runs init_tfm / cra_init, setkey when a key is given (or refuses a keyed
algorithm without one, as CRYPTO_TFM_NEED_KEY does), and init/update/final on a shash_desc
with the algorithm's descsize. Every step is a guarded call into the module.
"""
from __future__ import annotations

from dataclasses import dataclass

from kemu.kernel import KernelError

CRYPTO_ALG_TYPE_MASK = 0x0000000F
CRYPTO_ALG_TYPE_SHASH = 0x0000000E
CRYPTO_ALG_INTERNAL = 0x00002000
CRYPTO_ALG_OPTIONAL_KEY = 0x00004000
CRYPTO_ALG_TESTED = 0x00000400
CRYPTO_ALG_ASYNC = 0x00000080
HASH_MAX_DIGESTSIZE = 64
HASH_MAX_STATESIZE = 512
MAX_ALGAPI_ALIGNMASK = 63
MAX_ALGAPI_BLOCKSIZE = 160
NAME_LEN = 128                       # CRYPTO_MAX_ALG_NAME


class CryptoError(KernelError):
    """A crypto API request the kernel refuses: no such algorithm, a key missing, the
    algorithm's own code failing (`.errno` is the kernel's negative return)."""

    def __init__(self, message: str, errno: int = 0):
        super().__init__(message)
        self.errno = errno


@dataclass
class Algorithm:
    """A registered algorithm: its type's struct (`addr`: struct shash_alg, skcipher_alg, ...,
    or the struct crypto_alg itself for a cipher or compressor), the struct crypto_alg inside
    it (`base`), and what /proc/crypto shows of it."""
    addr: int
    name: str
    driver: str
    priority: int
    module: object         # LoadedModule or None
    kind: str = "shash"
    base: int = 0


#: crypto/algapi.h's CRYPTO_ALG_TYPE_* of each kind a module registers
ALG_TYPES = {"cipher": 0x1, "compression": 0x2, "aead": 0x3, "skcipher": 0x5, "kpp": 0x8,
             "scomp": 0xB, "rng": 0xC, "akcipher": 0xD, "shash": 0xE, "ahash": 0xF}
MAX_CIPHER_ALIGNMASK = 15
MAX_CIPHER_BLOCKSIZE = 16


class CryptoApi:
    """The algorithms and templates modules registered, the transforms allocated from them,
    and hashing through them."""

    def __init__(self, system):
        self.system = system
        self.algorithms: list[Algorithm] = []
        self.templates: list[tuple[int, str, object]] = []      # (struct crypto_template, name, module)
        self.tfms: dict[int, tuple[Algorithm, int]] = {}          # frontend -> (algorithm, its crypto_tfm)

    # --- the layout of the structures ---------------------------------------------------------
    def _off(self, struct: str, field: str) -> int:
        return self.system.layout.offset(struct, field)

    def _base(self, alg: int) -> int:
        return alg + self._off("struct shash_alg", "base")

    def _field(self, alg: int, field: str) -> int:
        return self.system.machine.mem.read_ptr(alg + self._off("struct shash_alg", field))

    def _u32(self, addr: int) -> int:
        return self.system.machine.mem.read_u32(addr)

    def _name(self, base: int, field: str) -> str:
        raw = self.system.machine.mem.read(base + self._off("struct crypto_alg", field), NAME_LEN)
        return raw.split(b"\0", 1)[0].decode("latin-1")

    def cra(self, base: int, field: str) -> int:
        """The address of a struct crypto_alg field."""
        return base + self._off("struct crypto_alg", field)

    # --- registration (crypto_register_alg and each type's wrapper) ---------------------------
    def register_shash(self, alg: int, module) -> int:
        """shash_prepare_alg + crypto_register_alg: 0 or a negative errno."""
        s, mem = self.system, self.system.machine.mem
        e = s.errno
        sa = lambda f: alg + self._off("struct shash_alg", f)          # noqa: E731
        digestsize, descsize, statesize = mem.read_u32(sa("digestsize")), mem.read_u32(sa("descsize")), \
            mem.read_u32(sa("statesize"))
        if digestsize > HASH_MAX_DIGESTSIZE or descsize > HASH_MAX_STATESIZE or statesize > HASH_MAX_STATESIZE:
            return -e.EINVAL
        if bool(self._field(alg, "export")) != bool(self._field(alg, "import")):
            return -e.EINVAL
        if not self._field(alg, "export"):
            mem.write_u32(sa("statesize"), descsize)       # shash_default_export's state is the desc
        return self.register(alg, self._base(alg), "shash", module)

    def register(self, alg: int, base: int, kind: str, module) -> int:
        """crypto_check_alg + __crypto_register_alg for an algorithm whose type-specific
        preparation is done: the general limits (names present, alignmask a power of two less
        one and at most 63, blocksize at most 160, a bare cipher's at most 15 and 16, priority
        not negative) are -EINVAL; an algorithm already registered, or one whose driver name
        is another's name or driver name, -EEXIST. The type goes into cra_flags, cra_refcnt
        starts at 1 (the registration's reference), cra_users is made an empty list, and
        TESTED is cleared ("no cheating": kemu has no test manager, so /proc/crypto says the
        self-test is unknown). The module's unload takes it back if its exit does not."""
        from .list_head import init_list
        mem, e = self.system.machine.mem, self.system.errno
        alignmask = mem.read_u32(self.cra(base, "cra_alignmask"))
        blocksize = mem.read_u32(self.cra(base, "cra_blocksize"))
        priority = mem.read_u32(self.cra(base, "cra_priority"))
        priority = priority - (1 << 32) if priority >> 31 else priority
        name, driver = self._name(base, "cra_name"), self._name(base, "cra_driver_name")
        if (alignmask & (alignmask + 1)) or alignmask > MAX_ALGAPI_ALIGNMASK or blocksize > MAX_ALGAPI_BLOCKSIZE \
                or not name or not driver or priority < 0:
            return -e.EINVAL
        if kind == "cipher" and (alignmask > MAX_CIPHER_ALIGNMASK or blocksize > MAX_CIPHER_BLOCKSIZE):
            return -e.EINVAL
        for other in self.algorithms:
            if other.base == base or other.driver in (driver, name) or other.name == driver:
                return -e.EEXIST
        flags = mem.read_u32(self.cra(base, "cra_flags"))
        flags = (flags & ~(CRYPTO_ALG_TYPE_MASK | CRYPTO_ALG_TESTED)) | ALG_TYPES[kind]
        mem.write_u32(self.cra(base, "cra_flags"), flags)
        mem.write_u32(self.cra(base, "cra_refcnt"), 1)
        init_list(self.system, self.cra(base, "cra_users"))
        entry = Algorithm(alg, name, driver, priority, module, kind, base)
        self.algorithms.append(entry)
        if module is not None:
            module.on_unload(f"crypto algorithm {driver}", lambda: self._drop(entry))
        return 0

    def _drop(self, entry: Algorithm) -> None:
        if entry in self.algorithms:
            self.algorithms.remove(entry)

    def unregister_shash(self, alg: int) -> None:
        self.unregister(self._base(alg))

    def unregister(self, base: int) -> None:
        """crypto_unregister_alg: a warning for one never registered; off the list; another
        warning (and no cra_destroy) for one still in use (cra_refcnt above the registration's
        1: a transform allocated from it was never freed); else cra_destroy if set."""
        entry = next((a for a in self.algorithms if a.base == base), None)
        if entry is None:
            self.system.pr(f"WARNING: Algorithm {self._name(base, 'cra_driver_name')} is not registered", 4)
            return
        self._drop(entry)
        if entry.module is not None:
            entry.module.forget_undo(f"crypto algorithm {entry.driver}")
        refcnt = self.system.machine.mem.read_u32(self.cra(base, "cra_refcnt"))
        if refcnt != 1:
            self.system.pr(f"WARNING: crypto_unregister_alg: {entry.driver} still has {refcnt - 1} user(s)", 4)
            return
        destroy = self.system.machine.mem.read_ptr(self.cra(base, "cra_destroy"))
        if destroy:
            self.system.call_kernel_pointer(destroy, base, what=f"{entry.driver}: cra_destroy")

    # --- templates (crypto_register_template) -------------------------------------------------
    def register_template(self, tmpl: int, module) -> int:
        """crypto_register_template: on the template list unless this very template is on it
        already (-EEXIST); its instance list starts empty. kemu instantiates no template yet
        ("hmac(sha256)" is looked up as a plain name), so nothing is ever on that list."""
        from .list_head import init_list
        if any(t == tmpl for t, _, _ in self.templates):
            return -self.system.errno.EEXIST
        raw = self.system.machine.mem.read(tmpl + self._off("struct crypto_template", "name"), NAME_LEN)
        name = raw.split(b"\0", 1)[0].decode("latin-1")
        self.system.machine.mem.write_ptr(tmpl + self._off("struct crypto_template", "instances"), 0)
        init_list(self.system, tmpl + self._off("struct crypto_template", "list"))
        self.templates.append((tmpl, name, module))
        if module is not None:
            module.on_unload(f"crypto template {name}", lambda: self._drop_template(tmpl))
        return 0

    def _drop_template(self, tmpl: int) -> bool:
        before = len(self.templates)
        self.templates = [t for t in self.templates if t[0] != tmpl]
        return len(self.templates) != before

    def unregister_template(self, tmpl: int) -> None:
        """crypto_unregister_template: off the list (a warning if it was never on it)."""
        entry = next((t for t in self.templates if t[0] == tmpl), None)
        if entry is None:
            self.system.pr(f"WARNING: crypto template at {tmpl:#x} is not registered", 4)
            return
        self._drop_template(tmpl)
        if entry[2] is not None:
            entry[2].forget_undo(f"crypto template {entry[1]}")

    def template(self, name: str) -> int | None:
        """crypto_lookup_template (without the request_module)."""
        return next((t for t, n, _ in self.templates if n == name), None)

    # --- lookup and use -----------------------------------------------------------------------
    def find(self, name: str, kinds: tuple[str, ...] | None = None, internal: bool = False) -> Algorithm | None:
        """crypto_alg_lookup: an exact driver name, else the best priority for the name, among
        the algorithms of `kinds` (any when None); internal-only algorithms only when asked."""
        mem = self.system.machine.mem

        def usable(a: Algorithm) -> bool:
            if kinds is not None and a.kind not in kinds:
                return False
            return internal or not mem.read_u32(self.cra(a.base, "cra_flags")) & CRYPTO_ALG_INTERNAL
        for a in self.algorithms:
            if a.driver == name and usable(a):
                return a
        matches = [a for a in self.algorithms if a.name == name and usable(a)]
        return max(matches, key=lambda a: a.priority) if matches else None

    def _get(self, alg: Algorithm) -> None:
        """crypto_mod_get: a reference on the algorithm and on its module (which then cannot
        be unloaded until the transform is freed)."""
        mem = self.system.machine.mem
        at = self.cra(alg.base, "cra_refcnt")
        mem.write_u32(at, mem.read_u32(at) + 1)
        if alg.module is not None:
            alg.module.os["refcnt"] = alg.module.os.get("refcnt", 0) + 1

    def _put(self, alg: Algorithm) -> None:
        """crypto_mod_put."""
        mem = self.system.machine.mem
        at = self.cra(alg.base, "cra_refcnt")
        mem.write_u32(at, max(mem.read_u32(at) - 1, 0))
        if alg.module is not None and alg.module.os.get("refcnt", 0) > 0:
            alg.module.os["refcnt"] -= 1

    def alloc_tfm(self, alg: Algorithm, frontend: str, caller: int | None = None) -> int:
        """crypto_create_tfm: the frontend struct (crypto_shash, crypto_skcipher, or a bare
        crypto_tfm for ciphers and compressors) with the algorithm's context behind its
        crypto_tfm, a reference on the algorithm, then the type's init (shash: init_tfm,
        skcipher: init) and cra_init unless the type has an exit. Returns the frontend's
        address; CryptoError with the init's errno (the reference dropped, the memory freed)
        when the init refuses."""
        s, mem, lay = self.system, self.system.machine.mem, self.system.layout
        ctxsize = mem.read_u32(self.cra(alg.base, "cra_ctxsize"))
        tfm_at = self._off(frontend, "base") if frontend != "struct crypto_tfm" else 0
        block = s.kernel.heap.alloc(tfm_at + lay.size("struct crypto_tfm") + ctxsize, "crypto tfm", zero=True,
                                    caller=caller)
        tfm = block + tfm_at
        mem.write_ptr(tfm + self._off("struct crypto_tfm", "__crt_alg"), alg.base)
        if frontend == "struct crypto_shash":
            mem.write_u32(block + self._off("struct crypto_shash", "descsize"),
                          mem.read_u32(alg.addr + self._off("struct shash_alg", "descsize")))
        self._get(alg)
        init, exit_ = self._type_hooks(alg)
        try:
            if init:
                self._check(alg, "init", s.call_kernel_pointer(init, block, what=f"{alg.driver}: init"))
            if not exit_:
                self._base_step(alg, "cra_init", tfm)
        except Exception:
            self._put(alg)
            s.kernel.heap.free(block)
            raise
        self.tfms[block] = (alg, tfm)
        return block

    #: the type's own init and exit fields (crypto_shash_init_tfm, crypto_skcipher_init_tfm)
    TYPE_HOOKS = {"shash": ("struct shash_alg", "init_tfm", "exit_tfm"),
                  "skcipher": ("struct skcipher_alg", "init", "exit")}

    def _type_hooks(self, alg: Algorithm) -> tuple[int, int]:
        """The type's init and exit functions (0 when absent). As in the kernel, init runs if
        set, and cra_init/cra_exit run only when the type has no exit (tfm->exit unset)."""
        hooks = self.TYPE_HOOKS.get(alg.kind)
        if hooks is None:
            return 0, 0
        struct, init, exit_ = hooks
        mem = self.system.machine.mem
        return mem.read_ptr(alg.addr + self._off(struct, init)), mem.read_ptr(alg.addr + self._off(struct, exit_))

    def free_tfm(self, block: int) -> None:
        """crypto_destroy_tfm: the type's exit (or cra_exit), the reference dropped, the memory
        freed. A pointer that is not a live transform is refused with an error naming it."""
        entry = self.tfms.pop(block, None)
        if entry is None:
            raise CryptoError(f"crypto_destroy_tfm: {block:#x} is not a transform the crypto API allocated")
        alg, tfm = entry
        s = self.system
        try:
            exit_ = self._type_hooks(alg)[1]
            if exit_:
                s.call_kernel_pointer(exit_, block, what=f"{alg.driver}: exit")
            else:
                fn = s.machine.mem.read_ptr(self.cra(alg.base, "cra_exit"))
                if fn:
                    s.call_kernel_pointer(fn, tfm, what=f"{alg.driver}: cra_exit")
        finally:
            self._put(alg)
            s.kernel.heap.free(block)

    def digest(self, name: str, data: bytes, key: bytes | None = None) -> bytes:
        """crypto_alloc_shash(name) [+ setkey] + init/update/final over `data`."""
        s = self.system
        alg = self.find(name, ("shash",))
        if alg is None:
            raise CryptoError(f"crypto: no algorithm {name!r} registered (modprobe it first)", -s.errno.ENOENT)
        heap, mem = s.kernel.heap, s.machine.mem
        lay = s.layout
        digestsize = mem.read_u32(alg.addr + self._off("struct shash_alg", "digestsize"))
        descsize = mem.read_u32(alg.addr + self._off("struct shash_alg", "descsize"))
        hash_ = self.alloc_tfm(alg, "struct crypto_shash")
        desc = heap.alloc(lay.size("struct shash_desc") + descsize, "shash_desc", zero=True)
        mem.write_ptr(desc + self._off("struct shash_desc", "tfm"), hash_)
        out = heap.alloc(max(digestsize, 1), "digest", zero=True)
        buf = heap.alloc(max(len(data), 1), "digest input")
        mem.write(buf, data)
        try:
            self._key(alg, hash_, key)
            self._step(alg, "init", desc)
            if data:
                self._step(alg, "update", desc, buf, len(data))
            self._step(alg, "final", desc, out)
            return mem.read(out, digestsize)
        finally:
            for block in (buf, out, desc):
                heap.free(block)
            self.free_tfm(hash_)

    def _key(self, alg: Algorithm, hash_: int, key: bytes | None) -> None:
        s = self.system
        setkey = self._field(alg.addr, "setkey")
        if key is None:
            flags = s.machine.mem.read_u32(self._base(alg.addr) + self._off("struct crypto_alg", "cra_flags"))
            if setkey and not flags & CRYPTO_ALG_OPTIONAL_KEY:
                raise CryptoError(f"crypto: {alg.driver} needs a key (CRYPTO_TFM_NEED_KEY)", -s.errno.ENOKEY)
            return
        if not setkey:
            raise CryptoError(f"crypto: {alg.driver} takes no key", -s.errno.ENOSYS)
        kbuf = s.kernel.heap.alloc(max(len(key), 1), "crypto key")
        try:
            s.machine.mem.write(kbuf, key)
            self._check(alg, "setkey", s.call_kernel_pointer(setkey, hash_, kbuf, len(key),
                                                             what=f"{alg.driver}: setkey"))
        finally:
            s.kernel.heap.free(kbuf)

    def _step(self, alg: Algorithm, field: str, *args: int) -> None:
        fn = self._field(alg.addr, field)
        if fn:
            self._check(alg, field, self.system.call_kernel_pointer(fn, *args, what=f"{alg.driver}: {field}"))

    def _base_step(self, alg: Algorithm, field: str, *args: int) -> None:
        fn = self.system.machine.mem.read_ptr(self.cra(alg.base, field))
        if fn:
            self._check(alg, field, self.system.call_kernel_pointer(fn, *args, what=f"{alg.driver}: {field}"))

    def _check(self, alg: Algorithm, step: str, ret: int) -> None:
        if ret < 0:
            raise CryptoError(f"crypto: {alg.driver}: {step} returned {ret} "
                              f"({self.system.errno_name(-ret)})", ret)

    # --- /proc/crypto -------------------------------------------------------------------------
    def proc_crypto(self) -> str:
        """/proc/crypto as crypto/proc.c writes it, newest registration first: the common
        lines, then what the algorithm's type shows (its crypto_type's show(), or proc.c's own
        lines for a bare cipher or compressor)."""
        from .services.crypto_builtin import ensure_builtin
        ensure_builtin(self.system)
        mem, out = self.system.machine.mem, []
        for a in reversed(self.algorithms):
            ca = lambda f: self.cra(a.base, f)                                 # noqa: E731
            flags = mem.read_u32(ca("cra_flags"))
            out += [f"name         : {a.name}", f"driver       : {a.driver}",
                    f"module       : {a.module.name if a.module is not None else 'kernel'}",
                    f"priority     : {a.priority}", f"refcnt       : {mem.read_u32(ca('cra_refcnt'))}",
                    f"selftest     : {'passed' if flags & CRYPTO_ALG_TESTED else 'unknown'}",
                    f"internal     : {'yes' if flags & CRYPTO_ALG_INTERNAL else 'no'}"]
            out += self._type_lines(a, flags) + [""]
        return "\n".join(out) + ("\n" if out else "")

    def _type_lines(self, a: Algorithm, flags: int) -> list[str]:
        mem = self.system.machine.mem
        u32 = lambda struct, f: mem.read_u32(a.addr + self._off(struct, f))   # noqa: E731
        blocksize = mem.read_u32(self.cra(a.base, "cra_blocksize"))
        is_async = "yes" if flags & CRYPTO_ALG_ASYNC else "no"
        if a.kind == "shash":
            return ["type         : shash", f"blocksize    : {blocksize}",
                    f"digestsize   : {u32('struct shash_alg', 'digestsize')}"]
        if a.kind == "ahash":
            halg = a.addr + self._off("struct ahash_alg", "halg")
            return ["type         : ahash", f"async        : {is_async}", f"blocksize    : {blocksize}",
                    f"digestsize   : {mem.read_u32(halg + self._off('struct hash_alg_common', 'digestsize'))}"]
        if a.kind == "cipher":
            return ["type         : cipher", f"blocksize    : {blocksize}",
                    f"min keysize  : {mem.read_u32(self.cra(a.base, 'cra_u.cipher.cia_min_keysize'))}",
                    f"max keysize  : {mem.read_u32(self.cra(a.base, 'cra_u.cipher.cia_max_keysize'))}"]
        if a.kind == "skcipher":
            sk = "struct skcipher_alg"
            return ["type         : skcipher", f"async        : {is_async}", f"blocksize    : {blocksize}",
                    f"min keysize  : {u32(sk, 'min_keysize')}", f"max keysize  : {u32(sk, 'max_keysize')}",
                    f"ivsize       : {u32(sk, 'ivsize')}", f"chunksize    : {u32(sk, 'chunksize')}",
                    f"walksize     : {u32(sk, 'walksize')}"]
        if a.kind == "aead":
            return ["type         : aead", f"async        : {is_async}", f"blocksize    : {blocksize}",
                    f"ivsize       : {u32('struct aead_alg', 'ivsize')}",
                    f"maxauthsize  : {u32('struct aead_alg', 'maxauthsize')}", "geniv        : <none>"]
        if a.kind == "rng":
            return ["type         : rng", f"seedsize     : {u32('struct rng_alg', 'seedsize')}"]
        return [f"type         : {a.kind}"]          # compression, scomp, kpp, akcipher: the type alone
