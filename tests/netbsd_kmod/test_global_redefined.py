"""kobj_checksyms: a module defining a global that a loaded module already defines is refused
(`global symbol ... redefined`, ENOEXEC) and the kernel keeps the first definition."""
from __future__ import annotations

from .conftest import FIXTURES, run


def test_a_second_module_defining_a_loaded_modules_global_is_refused(system, arch, tmp_path):
    data = (FIXTURES / arch / "gcc" / "chain_c" / "chain_c.kmod").read_bytes()
    assert data.count(b"chain_c\0") == 1                 # its modinfo name, nothing else
    twin = tmp_path / "chain_x.kmod"
    twin.write_bytes(data.replace(b"chain_c\0", b"chain_x\0"))
    status, out, err = run(system, f"modload chain_c\nmodload {twin}")
    assert status != 0
    assert "kobj_checksyms: [chain_x]: linker error: global symbol `chain_c_value' redefined" in system.dmesg()
    assert "Exec format error" in err
    assert system.kernel.symbols.get("chain_c_value").owner == "chain_c"
    assert [m.name for m in system.modctl_stat()] == ["chain_c"]
