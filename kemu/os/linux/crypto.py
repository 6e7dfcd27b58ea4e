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
    """A registered algorithm: its struct shash_alg and what /proc/crypto shows of it."""
    addr: int              # struct shash_alg
    name: str
    driver: str
    priority: int
    module: object         # LoadedModule or None
    kind: str = "shash"


class CryptoApi:
    """The algorithms modules registered, and hashing through them."""

    def __init__(self, system):
        self.system = system
        self.algorithms: list[Algorithm] = []

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

    # --- registration (crypto_register_shash / crypto_unregister_shash) -----------------------
    def register_shash(self, alg: int, module) -> int:
        """shash_prepare_alg + crypto_register_alg: 0 or a negative errno."""
        s, mem = self.system, self.system.machine.mem
        e = s.errno
        sa = lambda f: alg + self._off("struct shash_alg", f)          # noqa: E731
        base = self._base(alg)
        ca = lambda f: base + self._off("struct crypto_alg", f)        # noqa: E731
        digestsize, descsize, statesize = mem.read_u32(sa("digestsize")), mem.read_u32(sa("descsize")), \
            mem.read_u32(sa("statesize"))
        if digestsize > HASH_MAX_DIGESTSIZE or descsize > HASH_MAX_STATESIZE or statesize > HASH_MAX_STATESIZE:
            return -e.EINVAL
        if bool(self._field(alg, "export")) != bool(self._field(alg, "import")):
            return -e.EINVAL
        alignmask, blocksize = mem.read_u32(ca("cra_alignmask")), mem.read_u32(ca("cra_blocksize"))
        priority = mem.read_u32(ca("cra_priority"))
        priority = priority - (1 << 32) if priority >> 31 else priority
        name, driver = self._name(base, "cra_name"), self._name(base, "cra_driver_name")
        if (alignmask & (alignmask + 1)) or alignmask > MAX_ALGAPI_ALIGNMASK or blocksize > MAX_ALGAPI_BLOCKSIZE \
                or not name or not driver or priority < 0:
            return -e.EINVAL
        for other in self.algorithms:
            if other.addr == alg or other.driver in (driver, name) or other.name == driver:
                return -e.EEXIST
        flags = mem.read_u32(ca("cra_flags"))
        mem.write_u32(ca("cra_flags"), (flags & ~CRYPTO_ALG_TYPE_MASK) | CRYPTO_ALG_TYPE_SHASH)
        mem.write_u32(ca("cra_refcnt"), 1)
        if not self._field(alg, "export"):
            mem.write_u32(sa("statesize"), descsize)       # shash_default_export's state is the desc
        entry = Algorithm(alg, name, driver, priority, module)
        self.algorithms.append(entry)
        if module is not None:
            module.on_unload(f"crypto algorithm {driver}", lambda: self._drop(entry))
        return 0

    def _drop(self, entry: Algorithm) -> None:
        if entry in self.algorithms:
            self.algorithms.remove(entry)

    def unregister_shash(self, alg: int) -> None:
        """crypto_unregister_alg: a warning for one never registered; cra_destroy if set."""
        entry = next((a for a in self.algorithms if a.addr == alg), None)
        if entry is None:
            self.system.pr(f"Algorithm {self._name(self._base(alg), 'cra_driver_name')} is not registered", 4)
            return
        self._drop(entry)
        if entry.module is not None:
            entry.module.forget_undo(f"crypto algorithm {entry.driver}")
        destroy = self.system.machine.mem.read_ptr(self._base(alg) + self._off("struct crypto_alg", "cra_destroy"))
        if destroy:
            self.system.call_kernel_pointer(destroy, self._base(alg), what=f"{entry.driver}: cra_destroy")

    # --- lookup and use -----------------------------------------------------------------------
    def find(self, name: str) -> Algorithm | None:
        """crypto_alg_lookup: an exact driver name, else the best priority for the name."""
        for a in self.algorithms:
            if a.driver == name:
                return a
        matches = [a for a in self.algorithms if a.name == name]
        return max(matches, key=lambda a: a.priority) if matches else None

    def digest(self, name: str, data: bytes, key: bytes | None = None) -> bytes:
        """crypto_alloc_shash(name) [+ setkey] + init/update/final over `data`."""
        s = self.system
        alg = self.find(name)
        if alg is None:
            raise CryptoError(f"crypto: no algorithm {name!r} registered (modprobe it first)", -s.errno.ENOENT)
        heap, mem = s.kernel.heap, s.machine.mem
        lay = s.layout
        digestsize = mem.read_u32(alg.addr + self._off("struct shash_alg", "digestsize"))
        descsize = mem.read_u32(alg.addr + self._off("struct shash_alg", "descsize"))
        ctxsize = mem.read_u32(self._base(alg.addr) + self._off("struct crypto_alg", "cra_ctxsize"))
        tfm_at = self._off("struct crypto_shash", "base")
        hash_ = heap.alloc(tfm_at + lay.size("struct crypto_tfm") + ctxsize, "crypto tfm", zero=True)
        tfm = hash_ + tfm_at
        mem.write_u32(hash_ + self._off("struct crypto_shash", "descsize"), descsize)
        mem.write_ptr(tfm + self._off("struct crypto_tfm", "__crt_alg"), self._base(alg.addr))
        desc = heap.alloc(lay.size("struct shash_desc") + descsize, "shash_desc", zero=True)
        mem.write_ptr(desc + self._off("struct shash_desc", "tfm"), hash_)
        out = heap.alloc(max(digestsize, 1), "digest", zero=True)
        buf = heap.alloc(max(len(data), 1), "digest input")
        mem.write(buf, data)
        exit_tfm = self._field(alg.addr, "exit_tfm")
        cra_exit = mem.read_ptr(self._base(alg.addr) + self._off("struct crypto_alg", "cra_exit"))
        inited = False
        try:
            self._step(alg, "init_tfm", hash_)
            if not exit_tfm:
                self._base_step(alg, "cra_init", tfm)
            inited = True
            self._key(alg, hash_, key)
            self._step(alg, "init", desc)
            if data:
                self._step(alg, "update", desc, buf, len(data))
            self._step(alg, "final", desc, out)
            return mem.read(out, digestsize)
        finally:
            if inited:
                if exit_tfm:
                    s.call_kernel_pointer(exit_tfm, hash_, what=f"{alg.driver}: exit_tfm")
                elif cra_exit:
                    s.call_kernel_pointer(cra_exit, tfm, what=f"{alg.driver}: cra_exit")
            for block in (buf, out, desc, hash_):
                heap.free(block)

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
        fn = self.system.machine.mem.read_ptr(self._base(alg.addr) + self._off("struct crypto_alg", field))
        if fn:
            self._check(alg, field, self.system.call_kernel_pointer(fn, *args, what=f"{alg.driver}: {field}"))

    def _check(self, alg: Algorithm, step: str, ret: int) -> None:
        if ret < 0:
            raise CryptoError(f"crypto: {alg.driver}: {step} returned {ret} "
                              f"({self.system.errno_name(-ret)})", ret)

    # --- /proc/crypto -------------------------------------------------------------------------
    def proc_crypto(self) -> str:
        """/proc/crypto as crypto/proc.c writes it, newest registration first."""
        mem, out = self.system.machine.mem, []
        for a in reversed(self.algorithms):
            base = self._base(a.addr)
            ca = lambda f: base + self._off("struct crypto_alg", f)           # noqa: E731
            flags = mem.read_u32(ca("cra_flags"))
            out += [f"name         : {a.name}", f"driver       : {a.driver}",
                    f"module       : {a.module.name if a.module is not None else 'kernel'}",
                    f"priority     : {a.priority}", f"refcnt       : {mem.read_u32(ca('cra_refcnt'))}",
                    f"selftest     : {'passed' if flags & CRYPTO_ALG_TESTED else 'unknown'}",
                    f"internal     : {'yes' if flags & CRYPTO_ALG_INTERNAL else 'no'}",
                    f"type         : {a.kind}",
                    f"blocksize    : {mem.read_u32(ca('cra_blocksize'))}",
                    f"digestsize   : {mem.read_u32(a.addr + self._off('struct shash_alg', 'digestsize'))}", ""]
        return "\n".join(out) + ("\n" if out else "")
