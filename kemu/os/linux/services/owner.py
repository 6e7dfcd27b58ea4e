"""Which module a registration belongs to, so its unload takes it back.

The return address of a service call is not enough: `return crypto_register_shash(&alg);`
at the end of an init function is a tail jump on x86-64, and the service then returns into
insmod's code. The kernel itself goes by the structure's owner (THIS_MODULE in
`.cra_module`, `.owner`); kemu does too, then falls back to the caller, then to the module
whose init is running."""
from __future__ import annotations

from kemu.kernel import ModuleState


def owning_module(k, call, owner: int = 0):
    """The LoadedModule responsible for a registration (None: the kernel's own)."""
    if owner:
        m = k.linux.module_by_struct(owner)
        if m is not None:
            return m
    m = k.loader.module_at(call.return_address) if call is not None else None
    if m is not None:
        return m
    loading = [m for m in k.loader.modules if m.state is ModuleState.LOADING]
    return loading[-1] if loading else None
