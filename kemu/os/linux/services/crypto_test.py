"""alg_test (crypto/testmgr.c, Linux 6.1): the crypto self-test manager's entry point, which
tcrypt calls directly and the kernel runs for every algorithm registered.

Debian's 6.1 config keeps the tests (CONFIG_CRYPTO_MANAGER_DISABLE_TESTS is not set), so
alg_test tests. kemu does it this way:
- the algorithm is looked up by its driver name as the test would allocate it; one that is
  not registered is 0, as testmgr's allocation failing with -ENOENT is. Unlike the kernel,
  kemu does not request the algorithm's module here: tcrypt's default mode tests some 200
  names in one init call, and loading a hundred modules inside one guest call runs past
  kemu's time limit for it (and attributes their faults to tcrypt). A caller that wants a
  module's algorithm tested loads the module first;
- a hash kemu knows the answer for (md5, sha1, the sha2 and sha3 family: Python's hashlib)
  is run over three vectors through the algorithm's own init/update/final, and a wrong
  digest is "alg: shash: ... test failed (wrong result)" and -EINVAL, an error from the
  algorithm is its errno;
- for any other algorithm kemu has none of testmgr's vectors: it creates and frees a
  transform where the frontend is modelled (shash, skcipher, a bare cipher or compressor:
  the algorithm's init and exit run, and their error is the result), says in the log that
  the vectors were not run, and returns 0.
"""
from __future__ import annotations

import hashlib

from kemu.kernel import ServiceTable

from ..crypto import CryptoError

table = ServiceTable("crypto_test")

#: cra_name -> hashlib name, for the hashes kemu can check
REFERENCE = {"md5": "md5", "sha1": "sha1", "sha224": "sha224", "sha256": "sha256", "sha384": "sha384",
             "sha512": "sha512", "sha3-224": "sha3_224", "sha3-256": "sha3_256", "sha3-384": "sha3_384",
             "sha3-512": "sha3_512"}
VECTORS = (b"", b"abc", bytes(i % 251 for i in range(1000)))
FRONTENDS = {"shash": "struct crypto_shash", "skcipher": "struct crypto_skcipher",
             "cipher": "struct crypto_tfm", "compression": "struct crypto_tfm"}


@table.service("int alg_test(const char *driver, const char *alg, u32 type, u32 mask)")
def alg_test(k, driver: int, alg: int, type_: int, mask: int) -> int:
    """Test the algorithm: 0 when it passes (or does not exist), its error otherwise."""
    from ..crypto_lookup import match, narrow
    from .crypto_builtin import ensure_builtin
    api = k.linux.crypto
    drv = k.read_str(driver, 128).decode("latin-1")
    name = k.read_str(alg, 128).decode("latin-1")
    ensure_builtin(k.linux)
    found = match(api, drv, *narrow(None, type_, mask))
    if found is None:
        return 0
    try:
        if found.kind == "shash" and found.name in REFERENCE:
            return _test_hash(k, found, REFERENCE[found.name])
        frontend = FRONTENDS.get(found.kind)
        if frontend is not None:
            api.free_tfm(api.alloc_tfm(found, frontend))
    except CryptoError as err:
        k.linux.pr(f"alg: {found.kind}: failed to allocate transform for {drv}: {err.errno}", 3)
        return err.errno or -k.errno.EINVAL
    k.linux.pr(f"alg: kemu has no test vectors for {name} ({drv}): only its transform was checked", 6)
    return 0


def _test_hash(k, alg, reference: str) -> int:
    """The vectors through the algorithm (crypto.py digest), compared with hashlib."""
    api = k.linux.crypto
    for i, data in enumerate(VECTORS, 1):
        try:
            got = api.digest(alg.driver, data)
        except CryptoError as err:
            k.linux.pr(f"alg: shash: {alg.driver} test failed on test vector {i}: {err.errno}", 3)
            return err.errno or -k.errno.EINVAL
        if got != hashlib.new(reference, data).digest():
            k.linux.pr(f"alg: shash: {alg.driver} test failed (wrong result) on test vector {i}", 3)
            return -k.errno.EINVAL
    return 0
