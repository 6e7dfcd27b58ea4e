"""Kernel: installing services, the resolver (strict and lenient), helpers for services."""
import pytest

from kemu.kernel import BadAddress, Errno, Kernel, KernelError, ServiceTable, service
from kemu.kernel.services import copy, string
from kemu.machine import MemoryFault

demo = ServiceTable("demo")


@demo.service("int add3(int a, int b, int c)")
def add3(k, a, b, c):
    """Add three ints."""
    return a + b + c


def test_install_defines_a_symbol_per_service_at_its_stub(kernel):
    addrs = kernel.install(demo)
    assert kernel.symbols.lookup("add3") == addrs["add3"]
    assert kernel.machine.layout["ktext"].contains(addrs["add3"])
    assert kernel.machine.call(addrs["add3"], 1, 2, 3) == 6
    assert [s.name for s in kernel.services()] == ["add3"]


def test_installing_a_service_twice_is_refused_unless_replacing(kernel):
    kernel.install(demo)
    with pytest.raises(KernelError, match="add3 is already installed"):
        kernel.install(demo)

    @service("int add3(int a, int b, int c)")
    def add3_times_ten(k, a, b, c):
        return 10 * (a + b + c)

    new = kernel.install(add3_times_ten.service, replace=True)["add3"]
    assert kernel.symbols.lookup("add3") == new and kernel.machine.call(new, 1, 2, 3) == 60


def test_strict_resolver_knows_only_defined_symbols(kernel):
    kernel.install(demo)
    kernel.symbols.define("hz", kernel.machine.alloc("kdata", 4), "object", 4)
    resolve = kernel.resolver()
    assert resolve("add3") == kernel.symbols.lookup("add3")
    assert resolve("hz") == kernel.symbols.lookup("hz")
    assert resolve("lkmexists_typo") is None


def test_lenient_resolver_gives_each_unknown_name_its_own_logging_stub(kernel):
    resolve = kernel.resolver(lenient=True)
    a, b = resolve("frobnicate"), resolve("wibble")
    assert a and b and a != b
    assert resolve("frobnicate") == a              # one stub per name
    assert kernel.resolver()("frobnicate") is None  # not a kernel symbol: strict loads still fail


def test_calls_to_a_lenient_stub_are_recorded_and_return_zero(kernel, guest):
    stub = kernel.resolver(lenient=True)("frobnicate")
    caller = guest.calling(stub, 7, 8)
    assert kernel.machine.call(caller) == 0
    (mc,) = kernel.missing_calls
    assert mc.name == "frobnicate" and mc.args[:2] == (7, 8)
    assert caller < mc.return_address < caller + 64
    assert "call to missing kernel function frobnicate" in kernel.dmesg()
    assert kernel.printed and "frobnicate" in kernel.printed[-1]


def test_kernel_symbols_name_addresses_in_oops_reports(kernel):
    addr = kernel.machine.alloc("kdata", 64)
    kernel.symbols.define("cdevsw", addr, "object", 64)
    assert kernel.machine.symbolize(addr + 8) == "cdevsw+0x8"


def test_check_range_faults_on_unmapped_or_wrapping_ranges(kernel):
    heap = kernel.heap.alloc(16, "x")
    kernel.check_range(heap, 16, "read")
    with pytest.raises(MemoryFault):
        kernel.check_range(0x10, 4, "read")
    with pytest.raises(BadAddress, match="wraps"):
        kernel.check_range((1 << (8 * kernel.word_size)) - 4, 16, "write")


def test_read_str_is_bounded(kernel):
    a = kernel.heap.alloc(16, "s")
    kernel.machine.mem.write(a, b"hello\0")
    assert kernel.read_str(a) == b"hello" and kernel.read_str(a, 3) == b"hel"


def test_kernel_range_is_everything_but_user_space(kernel):
    assert kernel.kernel_range(kernel.heap.alloc(8, "x"), 8)
    assert not kernel.kernel_range(kernel.user.alloc(8), 8)


def test_format_runs_printf_on_guest_strings(kernel):
    from kemu.kernel import ListVarArgs
    fmt = kernel.heap.alloc(32, "fmt")
    name = kernel.heap.alloc(16, "name")
    kernel.machine.mem.write(fmt, b"%s: major %d\n\0")
    kernel.machine.mem.write(name, b"fibo\0")
    args = ListVarArgs([name, 29], kernel.word_size)
    assert kernel.format(fmt, args) == b"fibo: major 29\n"


def test_errno_table_defaults_to_netbsd_and_is_the_personalitys_choice(machine):
    assert Kernel(machine).errno.os == "NetBSD"
    assert Kernel(machine, Errno.linux()).errno.EAGAIN == 11


def test_generic_tables_install_together(kernel):
    kernel.install(string.table)
    kernel.install(copy.table)
    for name in ("bzero", "bcopy", "memcpy", "memset", "memcmp", "strlen", "strcmp", "strncpy",
                 "strlcpy", "copyin", "copyout", "copyinstr", "copyoutstr"):
        assert kernel.symbols.lookup(name) is not None, name


def test_a_services_trap_handler_is_generated_on_its_first_call_then_kept(kernel, monkeypatch):
    import kemu.kernel.kernel as kernel_module
    built = []
    real = kernel_module.build_handler
    monkeypatch.setattr(kernel_module, "build_handler",
                        lambda k, svc, *a: built.append(svc.name) or real(k, svc, *a))
    addr = kernel.install(demo)["add3"]
    assert built == []                                  # installing generates nothing
    assert kernel.machine.call(addr, 1, 2, 3) == 6
    assert kernel.machine.call(addr, 4, 5, 6) == 15
    assert built == ["add3"]                            # once, then in the stub's place
    assert kernel.machine.stub_at(addr).handler.__qualname__ == "service_add3"
    assert [c.name for c in kernel.trace] == ["add3", "add3"]   # both calls traced


def test_a_replaced_service_generates_its_handler_for_its_own_stub(kernel):
    old = kernel.install(demo)["add3"]

    @service("int add3(int a, int b, int c)")
    def add3_times_ten(k, a, b, c):
        return 10 * (a + b + c)

    new = kernel.install(add3_times_ten.service, replace=True)["add3"]
    assert kernel.machine.call(new, 1, 2, 3) == 60
    assert kernel.machine.call(old, 1, 2, 3) == 6        # the old stub keeps its own service
