"""`Linux`: Debian bookworm's Linux 6.1 kernel (amd64 or 686-pae) as a module sees it.

`kemu.boot("linux", "x86_64")` (or "i386") returns one: a Machine (on i386 every call uses
regparm(3), as the kernel is built), a Kernel with Linux's errno values and HZ=250, every
export of the release's Module.symvers defined as exports.py describes, the per-CPU area in
gs_base (x86-64; the stack canary at %gs:0x28) and the thunks modules branch to.

    system.insmod("hello.ko")            -> LoadedModule (or InsmodError with insmod's text)
    system.rmmod("hello")                (RmmodError with rmmod's text)
    system.lsmod(), system.proc_modules(), system.dmesg(), system.uname_r()
"""
from __future__ import annotations

import io
from typing import Callable

from kemu.kernel import Errno, Kernel, LoadedModule, SyscallError
from kemu.kernel.services import string as string_services
from kemu.machine import Machine
from kemu.kernel.file_calls import FileCalls

from . import bugs, exports as kernel_exports, extable, symvers, thunks
from .layouts import layout
from .chardevs import ChrDevs, LinuxCharDriver
from .vfiles import VirtualFiles
from . import params as module_params
from .proc_entries import ProcEntries
from .timekeeping import Timekeeping
from .waiting import Waiting
from .module_percpu import ModulePerCpu
from .driver_model import DriverModel
from .platform_bus import platform_rules
from .services import chrdev, format as format_services, memory, modref, params, printk, seq_file, timers, usercopy, \
    wait
from .services import crypto as crypto_services, lib_crc
from .services import kstrings, llseek, security, smp, taint
from .services import cmos as cmos_services, proc_single, spinlocks, usermem
from .cmos import Cmos
from .services import filesystems as fs_services, slab_usercopy
from .services import nls as nls_services
from .services.netdev_tables import TABLES as NETDEV_TABLES
from .services.netsock_tables import TABLES as NETSOCK_TABLES
from .filesystems import FileSystems
from .cpu import Cpu
from .pv_ops_native import fill_native_pv_ops
from .static_calls import install_static_calls
from .crypto import CryptoApi
from .services import corpus_common
from .services import dev_printk
from .services import device_refs
from .services import find_bit, refcount
from .services import scatterlist, crypto_tfm, crypto_builtin, crypto_test
from .services import net_socket
from . import busy_time
from .services import fpu as fpu_services, vfs_core
from .services import async_dma, backlight, console as console_services, creds, crypto_algs, crypto_lib, fb_alloc
from .services import input_dev, registries, sched_policy, tty_port, vm_mmap
from .services import net_pernet, net_genl, net_protocols, rcu_read, net_netlink, inet_frags, proc_net
from .services import paravirt as paravirt_services
from .services import wait_woken
from .services import sysfs as sysfs_services
from .services import kstrto
from .services import tail_tables
from .services import compat_ioctl
from .services import hrtimers as hrtimer_services, idr as idr_services
from .services import driver_basics
from .hrtimers import HrTimers
from .sysfs import Sysfs
from .services import driver_core, buses as bus_services, devres, tasklets, resources
from .services import percpu_alloc
from .services import kthreads as kthreads_services
from .services import tty_driver
from .services import backing_dev
from .services import kthread_worker
from .services import proc_seq
from .services import cdev_alloc
from .services import mempool
from .services import debugfs
from .services import page_alloc
from .services import lib_misc
from .services import keys as key_services
from .services import libds
from .services import dmi, x86_cpu_match, kmod_request, firmware_loader, platform_info, acpi_namespace
from .services import io_mapping, irq_table, nvmem, memory_tiers, cpumask_alloc
from .services import blkdev, transport_class, quota_formats, badblocks, dma_mapping, list_lru, bioset, mempool_pages, blk_mq_tags, gendisk, blk_settings, disk_add
from .services import notifier_chains, kernel_notifiers, rwlocks, rcu_callbacks, srcu, shrinkers
from .services import static_keys, kernel_locks
from .services import net_registries
from .services import drvcore2

HZ = 250                       # Debian's CONFIG_HZ
CONSOLE_LOGLEVEL = 7           # messages below this level reach the console
DEFAULT_CALL_TIMEOUT = 5.0
VERMAGIC_TAIL = {"x86_64": "SMP preempt mod_unload modversions ",
                 "i386": "SMP preempt mod_unload modversions 686 "}
STACK_CANARY = 0x2F8DA3C1E5B7904D   # fixed: the guest must not see host randomness


class Linux(FileCalls):
    """A booted Linux 6.1 kernel on one emulated CPU."""

    os_name = "linux"

    def __init__(self, arch: str = "x86_64", *, release: str | None = None,
                 call_timeout: float = DEFAULT_CALL_TIMEOUT, console: Callable[[str], None] | None = None):
        self.arch = arch
        self.release = release or symvers.default_release(arch)
        if self.release not in symvers.releases(arch):
            raise ValueError(f"no Linux release {self.release!r} for {arch} "
                             f"(kemu ships: {', '.join(symvers.releases(arch))})")
        self.layout = layout(self.release)
        self.call_timeout = call_timeout
        self.machine = Machine(arch, timeout=call_timeout)
        abi = "regparm3" if arch == "i386" else None
        if abi:
            self.machine.default_abi = abi
        self.errno = Errno.linux()
        self.kernel = Kernel(self.machine, self.errno, console=self._console_write, abi=abi, hz=HZ,
                             driver_for=self._driver_for)
        self.kernel.linux = self
        self.kernel.loader.timeout = call_timeout
        self.console = console
        self.terminal: Callable[[str], None] | None = None
        self._quiet = False
        self.caches: dict[int, int] = {}           # kmem_cache address -> object size
        self.taints: set[str] = set()              # kernel taint letters
        self._once: set[tuple[str, str]] = set()   # pr_*_once messages already printed
        self.leaked: list = []
        self.current_task = 0
        self.modules_dep: str | None = None         # what depmod computed (modules.dep)
        self.module_dir: str = "."                  # the host directory it was computed over
        self.param_strings: set[int] = set()       # strings param_set_charp allocated
        self.chrdevs = ChrDevs(self)
        self.driver = LinuxCharDriver(self)
        self.vfiles = VirtualFiles(self)
        self.proc_entries = ProcEntries(self)
        self.timekeeping = Timekeeping(self)
        self.waiting = Waiting(self)
        self.seq_output: dict[int, bytearray] = {}   # seq_file -> text of the record being shown
        self.seq_text: dict[int, bytes] = {}         # seq_file -> its generated text
        self.crypto = CryptoApi(self)                # registered algorithms; digest() from Python
        self.cmos = Cmos(self.kernel.clock)          # the RTC's CMOS RAM (rtc_cmos_read/write)
        self.filesystems = FileSystems(self)         # register_filesystem; /proc/filesystems
        self.cpuhp_states: dict = {}                 # CPU hotplug state number -> HotplugState
        self.proc_single_ops = 0                     # the proc_ops of proc_create_single entries
        self._install_services()
        self.machine.invalid_opcode_handlers.append(self.on_invalid_opcode)
        self.machine.fault_fixups.append(self.on_fault)

    # --- boot ----------------------------------------------------------------------------------
    def _install_services(self) -> None:
        k, m = self.kernel, self.machine
        names = set(symvers.vmlinux_exports(self.release))
        k.install(string_services.table.subset(*[s.name for s in string_services.table if s.name in names]))
        for table in (printk.table, memory.table, usercopy.table, chrdev.table, params.table,
                      seq_file.table, timers.table, format_services.table,
                      modref.table, wait.table, crypto_services.table, lib_crc.table,
                      smp.table, kstrings.table, security.table, taint.table, llseek.table,
                      cmos_services.table, spinlocks.table, usermem.table, proc_single.table, fs_services.table,
                      slab_usercopy.table):
            k.install(table)
        k.install(corpus_common.table)
        k.install(dev_printk.table)
        k.install(device_refs.table)
        k.install(nls_services.table)
        k.install(find_bit.table)
        k.install(refcount.table)
        k.install(net_socket.table)
        k.install(net_pernet.table)
        k.install(net_genl.table)
        k.install(net_protocols.table)
        k.install(rcu_read.table)
        k.install(net_netlink.table)
        k.install(inet_frags.table)
        k.install(proc_net.table)
        k.install(paravirt_services.table)
        k.install(wait_woken.table)
        k.install(sysfs_services.table)
        k.install(kstrto.table)
        k.install(compat_ioctl.table)
        k.install(hrtimer_services.table)
        k.install(idr_services.table)
        k.install(driver_basics.table)
        k.install(driver_core.table)
        k.install(bus_services.table)
        k.install(devres.table)
        k.install(tasklets.table)
        k.install(resources.table)
        k.install(percpu_alloc.table)
        k.install(tty_driver.table)
        k.install(backing_dev.table)
        k.install(kthread_worker.table)
        k.install(proc_seq.table)
        k.install(cdev_alloc.table)
        k.install(mempool.table)
        k.install(debugfs.table)
        k.install(page_alloc.table)
        k.install(lib_misc.table)
        k.install(key_services.table)
        k.install(fpu_services.table)
        k.install(vfs_core.table)
        libds.install(k)
        for platform_table in (dmi.table, x86_cpu_match.table, kmod_request.table, firmware_loader.table,
                               platform_info.table, acpi_namespace.table, io_mapping.table, irq_table.table,
                               nvmem.table, memory_tiers.table, cpumask_alloc.table):
            k.install(platform_table)
        for t in (blkdev, transport_class, quota_formats, badblocks, dma_mapping, list_lru, bioset, mempool_pages, blk_mq_tags, gendisk, blk_settings, disk_add):
            k.install(t.table)
        k.install(notifier_chains.table)
        k.install(kernel_notifiers.table)
        k.install(rwlocks.table)
        k.install(rcu_callbacks.table)
        k.install(srcu.table)
        k.install(shrinkers.table)
        k.install(static_keys.table)
        k.install(kernel_locks.table)
        k.install(crypto_algs.table)
        k.install(registries.table)
        k.install(crypto_lib.table)
        k.install(async_dma.table)
        k.install(tty_port.table)
        k.install(console_services.table)
        k.install(creds.table)
        k.install(input_dev.table)
        k.install(sched_policy.table)
        k.install(vm_mmap.table)
        k.install(fb_alloc.table)
        k.install(backlight.table)
        k.install(net_registries.table)
        k.install(kthreads_services.table)
        for netdev_table in NETDEV_TABLES:
            k.install(netdev_table)
        k.install(drvcore2.table)
        for netsock_table in NETSOCK_TABLES:
            k.install(netsock_table)
        for tail_table in tail_tables.TABLES:
            k.install(tail_table)
        for crypto2_table in (scatterlist.table, crypto_tfm.table, crypto_builtin.table, crypto_test.table):
            k.install(crypto2_table)
        implemented = {name: addr for name, (svc, addr) in k.installed.items()}
        placed = thunks.install(m, lambda n, a: None, thunks.simple_thunks(self.arch))
        placed.update(thunks.install(m, lambda n, a: None, thunks.user_access_thunks(
            self.arch, k.installed["__kemu_put_user"][1], k.installed["__kemu_get_user"][1])))
        for name, addr in placed.items():
            k.symbols.define(name, addr, "func", replace=True)
        implemented.update(placed)
        self.percpu, self.data = kernel_exports.define_exports(k, self.release, implemented)
        self.static_calls = install_static_calls(self)
        self.sysfs = Sysfs(self)
        sysfs_services.setup(self)
        self.hrtimers = HrTimers(self)
        self.idrs: dict[int, dict[int, int]] = {}     # struct idr -> id -> pointer (services/idr.py)
        hrtimer_services.setup(self)
        busy_time.watch_jiffies(self)
        net_pernet.setup(self)
        self.module_percpu = ModulePerCpu(self)
        self.driver_model = DriverModel(self, platform_rules)   # the kernel's buses, drivers, devices
        self.cpu = Cpu(self)                      # CPU 0: masks, per-CPU offsets, cpuinfo_x86
        module_params.fill_standard_ops(self)
        self._make_system_workqueues()
        if self.arch == "x86_64":
            m.mem.write_u64(self.percpu.addr + 0x28, STACK_CANARY)       # fixed_percpu_data.stack_canary
            m.set_boot_register("gs_base", self.percpu.addr)
        else:
            guard = k.symbols.get("__stack_chk_guard")
            if guard is not None:
                m.mem.write_u32(guard.addr, STACK_CANARY & 0xFFFFFFFF)
        current = k.symbols.get("current_task")
        if current is not None:                                          # the task insmod runs as
            task = m.alloc("kdata", self.layout.size("struct task_struct"), 64)
            m.mem.write(task, bytes(self.layout.size("struct task_struct")))
            m.mem.write_ptr(current.addr + (self.percpu.addr if self.arch == "x86_64" else 0), task)
            self.current_task = task
        self.cpu.setup()
        resources.setup_trees(self)                # ioport/iomem trees, the PC's legacy ports
        crypto_builtin.boot_memmap(k)              # inline virt_to_page reads the memory map from boot
        self.cpu.fill_pv_ops(k.installed["__kemu_native_read_msr_safe"][1],
                             k.installed["__kemu_native_write_msr_safe"][1])
        self.pv_ops_native = fill_native_pv_ops(self)
        self.sync_jiffies()

    def on_invalid_opcode(self, pc: int) -> int | None:
        """A `ud2` in guest code: WARN resumes after it, BUG oopses (bugs.py)."""
        return bugs.handle_bug(self, pc)

    def on_fault(self, pc: int, trap) -> int | None:
        """A fault in guest code: its module's `__ex_table` fixup, if any (extable.py)."""
        return extable.fixup_exception(self, pc, trap)

    def sync_jiffies(self) -> None:
        """jiffies (and jiffies_64) as the virtual clock has them: INITIAL_JIFFIES is
        (unsigned int)(-300 * HZ), so a 32-bit jiffies wraps five minutes after boot."""
        value = self.timekeeping.jiffies
        for name in ("jiffies_64", "jiffies"):
            addr = self.data.get(name)
            if addr is not None:
                self.machine.mem.write_u64(addr, value)

    def advance(self, seconds: float) -> None:
        """Let virtual time pass: timers fire and queued work runs, tick by tick."""
        self.timekeeping.advance(self.kernel.clock.ticks_for(seconds))

    def _make_system_workqueues(self) -> None:
        """system_wq and its siblings: pointer variables modules read (schedule_work)."""
        for name in ("system_wq", "system_highpri_wq", "system_long_wq", "system_unbound_wq",
                     "system_freezable_wq", "system_power_efficient_wq",
                     "system_freezable_power_efficient_wq"):
            addr = self.data.get(name)
            if addr is not None:
                wq = self.machine.alloc("kdata", 64, 16)       # kernel-owned, never freed
                self.machine.mem.write(wq, bytes(64))
                self.timekeeping.create_queue(wq, name.replace("system_", "events_"))
                self.machine.mem.write_ptr(addr, wq)

    @property
    def vermagic(self) -> str:
        return f"{self.release} {VERMAGIC_TAIL[self.arch]}"

    def uname_r(self) -> str:
        return self.release

    @property
    def devfs(self):
        return self.kernel.devfs

    @property
    def clock(self):
        return self.kernel.clock

    # --- messages ------------------------------------------------------------------------------
    def _console_write(self, text: str) -> None:
        if self.console is not None and not self._quiet:
            self.console(text)

    def log(self, text: str, level: int = 4, *, cont: bool = False) -> None:
        """One printk record: `[    5.123456] text` in dmesg; on the console when `level` is
        below the console log level. KERN_CONT text joins the previous line."""
        if not text:
            return
        if not cont or self._line_open is False:
            t = self.kernel.clock.uptime
            text = f"[{t.sec:5d}.{t.nsec // 1000:06d}] {text}"
        self._line_open = not text.endswith("\n")
        self._quiet = level >= CONSOLE_LOGLEVEL
        try:
            self.kernel.msgbuf.write(text)
        finally:
            self._quiet = False

    _line_open = False

    def format(self, fmt_addr: int, args) -> bytes:
        """printk's formatting of a guest format string (vsprintf.py: Linux's %p extensions)."""
        from .vsprintf import format_linux
        return format_linux(self, self.kernel.read_str(fmt_addr), args)

    def pr(self, text: str, level: int = 4) -> None:
        """A kernel message (a complete line) at `level`."""
        if self._line_open:
            self.kernel.msgbuf.write("\n")
            self._line_open = False
        self.log(text if text.endswith("\n") else text + "\n", level)

    def pr_once(self, key: str, text: str, level: int = 4) -> None:
        """pr_*_once: only the first time this kernel prints `key`."""
        if (key, "") not in self._once:
            self._once.add((key, ""))
            self.pr(text, level)

    def add_taint(self, letter: str, lockdep_unreliable: bool = False) -> None:
        """Taint the kernel; the first taint that breaks lock debugging says so, once."""
        if lockdep_unreliable:
            self.pr_once("lockdep", "Disabling lock debugging due to kernel taint", 4)
        self.taints.add(letter)

    def dmesg(self) -> str:
        return self.kernel.dmesg()

    def taint_mask(self) -> int:
        """/proc/sys/kernel/tainted: one bit per taint letter (include/linux/panic.h order)."""
        bits = "PFSRMBUDAWCIOELKXTN"
        return sum(1 << i for i, c in enumerate(bits) if c in self.taints)

    def shell(self, **kwargs):
        """A console (kemu.userland.Shell) with Linux's tools."""
        from .shell import Shell
        return Shell(self, **kwargs)

    def errno_name(self, number: int, default: str = "EIO") -> str:
        """The Linux errno name of a positive number a driver returned negated; `default`
        for a number Linux does not define."""
        name = self.errno.name(number) if 0 < number < 4096 else None
        return name if name and not name.startswith("E?") else default

    def call_kernel_pointer(self, addr: int, *args: int, what: str) -> int:
        """Call a function pointer the kernel holds (a module's or a service's) as a guarded
        call; the C int it returns, signed."""
        from kemu.kernel import guarded_call
        ret = guarded_call(self.kernel, addr, *args, what=what, timeout=self.call_timeout) & 0xFFFFFFFF
        return ret - (1 << 32) if ret & 0x80000000 else ret

    def call_kernel_word(self, addr: int, *args: int, what: str) -> int:
        """Call a function pointer; its raw return word (a pointer)."""
        from kemu.kernel import guarded_call
        return guarded_call(self.kernel, addr, *args, what=what, timeout=self.call_timeout)

    def call(self, name: str, *args: "int | bytes") -> int:
        """Call a kernel or module function by name from Python (calls.py): bytes arguments
        become kernel buffers; the raw return word."""
        from .calls import call_function
        return call_function(self, name, *args)

    # --- devices (char devices come with the chrdev services) ----------------------------------
    def _driver_for(self, node):
        return self.driver if node.is_char else None

    def module_by_struct(self, addr: int) -> LoadedModule | None:
        """The module whose struct module (THIS_MODULE) is at `addr`."""
        for m in self.kernel.loader.modules:
            if m.os.get("this_module") == addr:
                return m
        return None

    # --- modules -------------------------------------------------------------------------------
    def insmod(self, path: str, params: list[str] | tuple = (), *, lenient: bool = False,
               force: bool = False, display: str | None = None, force_vermagic: bool = False,
               force_modversion: bool = False) -> LoadedModule:
        """Load a .ko as insmod(8) does (init_module(2) then the kernel's load_module);
        `force` is insmod -f, `force_vermagic`/`force_modversion` modprobe's --force-*."""
        from .insmod import load_module
        return load_module(self, path, list(params), lenient=lenient, force=force, display=display,
                           force_vermagic=force_vermagic, force_modversion=force_modversion)

    def rmmod(self, name: str, *, force: bool = False) -> None:
        """Unload as rmmod(8) does; RmmodError with rmmod's message on refusal."""
        from .rmmod import remove_module
        remove_module(self, name, force=force)

    def load(self, path: str, *, entry: str | None = None, lenient: bool = False, out=None, err=None,
             params: list[str] | tuple = (), **_options) -> LoadedModule:
        """The load verb every personality offers (docs/interfaces.md §5): insmod, its error
        line written to `err`; raises InsmodError (a SyscallError with `.status`)."""
        from .insmod import InsmodError
        err = err if err is not None else io.StringIO()
        try:
            return self.insmod(path, params, lenient=lenient)
        except InsmodError as exc:
            err.write(exc.output)
            raise

    def unload(self, module: "LoadedModule | str") -> None:
        """The unload verb: rmmod by LoadedModule or name."""
        self.rmmod(module if isinstance(module, str) else module.name)

    def module_at(self, addr: int) -> LoadedModule | None:
        return self.kernel.loader.module_at(addr)

    def modules(self) -> list[LoadedModule]:
        """Live and loading modules, newest first (the order of /proc/modules)."""
        return list(reversed(self.kernel.loader.modules))

    def find_module(self, name: str) -> LoadedModule | None:
        return self.kernel.loader.find(name)

    def leaks(self) -> list:
        return list(self.leaked)

    # --- files ---------------------------------------------------------------------------------
    def open(self, path: str, mode: str | int = "r") -> int:
        """open(2): /dev nodes through the kernel's file table, /proc and /sys files as text."""
        if self.vfiles.handles(path):
            return self.vfiles.open(path, mode)
        return self.kernel.files.open(path, mode)

    def list_directory(self, path: str) -> list[str] | None:
        """The entries of a generated directory (/sys/bus/...) for ls, or None."""
        if path.rstrip("/") == "/sys/bus" or path.startswith("/sys/bus/"):
            return self.driver_model.sys_listing(path)
        return None

    def close(self, fd: int) -> None:
        if self.vfiles.owns(fd):
            return self.vfiles.close(fd)
        self.kernel.files.close(fd)

    def read(self, fd: int, n: int) -> bytes:
        if self.vfiles.owns(fd):
            return self.vfiles.read(fd, n)
        return self.kernel.files.read(fd, n)

    def write(self, fd: int, data: bytes) -> int:
        """write(2): sysfs attributes through their store(), devices through their driver."""
        if self.vfiles.owns(fd):
            return self.vfiles.write(fd, data)
        return self.kernel.files.write(fd, data)

    def lseek(self, fd: int, offset: int, whence: int = 0) -> int:
        """lseek(2) on a device: the driver's llseek."""
        f = self.kernel.files.get(fd)
        pos = self.driver.llseek(f, offset, whence)
        f.offset = pos
        return pos

    def __repr__(self) -> str:
        return f"<Linux {self.release} on {self.arch}: {len(self.kernel.loader.modules)} module(s) loaded>"


__all__ = ["Linux", "SyscallError"]
