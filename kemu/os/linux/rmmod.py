"""rmmod: delete_module(2) (kernel/module/main.c, 6.1) behind kmod's rmmod checks."""
from __future__ import annotations

from kemu.kernel import GuestCrash, SyscallError

from .insmod import _fn_pointer, _retire, module_name_of


class RmmodError(SyscallError):
    """Unloading was refused: `.output` is rmmod's message, `.status` its exit status (1)."""

    def __init__(self, system, errno_name: str, output: str):
        number = system.errno.value(errno_name)
        super().__init__(number, errno_name, system.errno.strerror(number))
        self.output = output
        self.status = 1


def remove_module(system, name: str, *, force: bool = False) -> None:
    """Refuse as rmmod and delete_module do (holders, references, no exit function), else run
    the exit function and retire the module."""
    name = module_name_of(name)
    loader = system.kernel.loader
    module = loader.find(name)
    if module is None:
        raise RmmodError(system, "ENOENT", f"rmmod: ERROR: Module {name} is not currently loaded\n")
    holders = loader.users_of(module)
    if holders:
        # the kernel refuses even a forced unload; rmmod -f skips its own check and shows errno
        text = (f"could not remove module {name}: {system.errno.strerror(system.errno.EAGAIN)}" if force
                else f"Module {name} is in use by: {' '.join(holders)}")
        raise RmmodError(system, "EAGAIN", f"rmmod: ERROR: {text}\n")
    if module.os.get("refcnt", 0) and not force:
        raise RmmodError(system, "EAGAIN", f"rmmod: ERROR: Module {name} is in use\n")
    if module.state.value != "live":
        raise RmmodError(system, "EBUSY", f"rmmod: ERROR: could not remove module {name}: "
                                          f"{system.errno.strerror(system.errno.EBUSY)}\n")
    init, exit_fn = _fn_pointer(system, module, "init"), _fn_pointer(system, module, "exit")
    if init and not exit_fn and not force:
        raise RmmodError(system, "EBUSY", f"rmmod: ERROR: could not remove module {name}: "
                                          f"{system.errno.strerror(system.errno.EBUSY)}\n")
    if force:
        system.add_taint("R", True)
    try:
        if exit_fn:
            module.state = module.state.__class__.GOING
            system.kernel.loader.call(module, exit_fn, what=f"{name}: exit")
    except GuestCrash:
        pass                      # the kernel carries on freeing the module after an oops in exit
    module.state = module.state.__class__.LIVE
    _retire(system, module)
