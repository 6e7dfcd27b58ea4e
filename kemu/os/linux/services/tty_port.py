"""tty ports and the serial core's driver registration (drivers/tty/tty_port.c,
tty_buffer.c, tty_baudrate.c, serial/serial_core.c; 6.1).

* tty_port_init zeroes the port and sets it up as the kernel does: its flip-buffer head
  (head = tail = the embedded sentinel buffer, nothing free or used, the 64 KiB limit), its
  wait queues, mutexes and lock, close_delay (HZ/2) and closing_wait (30 s), one reference.
  The flip buffer's work function and the default client operations stay NULL: kemu has no
  line discipline to push received characters to.
* tty_port_link_device puts the port in the driver's ports[] (index past the driver's lines:
  the kernel's WARN, nothing stored); tty_port_destroy frees the flip buffers (kemu never
  allocates any) and leaves the head empty.
* uart_register_driver allocates the uart_state array, a tty driver of `nr` lines
  (services/tty_driver.py) named from the uart_driver, type serial/normal, its termios the
  kernel's standard with 9600 8N1 CREAD HUPCL CLOCAL, and a port per state, then registers the
  tty driver; a failure gives everything back. The tty operations (serial_core's uart_ops)
  are not there: kemu opens no serial tty. uart_unregister_driver undoes it all.
* tty_termios_encode_baud_rate writes speeds into termios with the kernel's table walk (a
  standard rate within 2% becomes its Bxxx, else BOTHER).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..list_head import init_list
from . import tty_driver as ttyd

table = ServiceTable("tty_port")

HZ = 250
TTYB_DEFAULT_MEM_LIMIT = 65536
TTY_DRIVER_REAL_RAW, TTY_DRIVER_DYNAMIC_DEV = 0x0004, 0x0008
TTY_DRIVER_TYPE_SERIAL, SERIAL_TYPE_NORMAL = 0x0003, 1
# x86's termbits
ICRNL, IXON, OPOST, ONLCR = 0o400, 0o2000, 0o1, 0o4
B9600, B38400, CS8, CREAD, HUPCL, CLOCAL = 0o15, 0o17, 0o60, 0o200, 0o2000, 0o4000
ISIG, ICANON, ECHO, ECHOE, ECHOK, ECHOCTL, ECHOKE, IEXTEN = 0o1, 0o2, 0o10, 0o20, 0o40, 0o1000, 0o4000, 0o100000
INIT_C_CC = b"\003\034\177\025\004\000\001\000\021\023\032\000\022\017\027\026\000"
CBAUD, BOTHER, IBSHIFT = 0o10017, 0o10000, 16
BAUD_TABLE = (0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600,
              115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000,
              3000000, 3500000, 4000000)
BAUD_BITS = tuple(range(0o20)) + tuple(0o10001 + i for i in range(15))


def _off(k, struct: str, field: str) -> int:
    return k.linux.layout.offset(struct, field)


def _init_mutex(k, at: int) -> None:
    init_list(k, at + _off(k, "struct mutex", "wait_list"))


def _init_waitqueue(k, at: int) -> None:
    init_list(k, at + _off(k, "struct wait_queue_head", "head"))


def _empty_buffers(k, port: int) -> None:
    """The flip-buffer head with nothing in it: head and tail at the sentinel, none free."""
    mem, bh = k.machine.mem, "struct tty_bufhead"
    buf = port + _off(k, "struct tty_port", "buf")
    sentinel = buf + _off(k, bh, "sentinel")
    mem.write_ptr(buf + _off(k, bh, "head"), sentinel)
    mem.write_ptr(buf + _off(k, bh, "tail"), sentinel)
    mem.write_ptr(buf + _off(k, bh, "free"), 0)
    mem.write_u32(buf + _off(k, bh, "mem_used"), 0)


def port_init(k, port: int) -> None:
    """tty_port_init (see the module docstring)."""
    mem, tp = k.machine.mem, "struct tty_port"
    mem.write(port, bytes(k.linux.layout.size(tp)))
    buf = port + _off(k, tp, "buf")
    _init_mutex(k, buf + _off(k, "struct tty_bufhead", "lock"))
    _empty_buffers(k, port)
    mem.write_u32(buf + _off(k, "struct tty_bufhead", "mem_limit"), TTYB_DEFAULT_MEM_LIMIT)
    work_entry = buf + _off(k, "struct tty_bufhead", "work") + _off(k, "struct work_struct", "entry")
    init_list(k, work_entry)
    _init_waitqueue(k, port + _off(k, tp, "open_wait"))
    _init_waitqueue(k, port + _off(k, tp, "delta_msr_wait"))
    _init_mutex(k, port + _off(k, tp, "mutex"))
    _init_mutex(k, port + _off(k, tp, "buf_mutex"))
    mem.write_u32(port + _off(k, tp, "close_delay"), (50 * HZ) // 100)
    mem.write_u32(port + _off(k, tp, "closing_wait"), (3000 * HZ) // 100)
    mem.write_u32(port + _off(k, tp, "kref"), 1)


@table.service("void tty_port_init(struct tty_port *port)")
def tty_port_init(k, port: int) -> None:
    port_init(k, port)


@table.service("void tty_port_link_device(struct tty_port *port, struct tty_driver *driver, unsigned index)")
def tty_port_link_device(k, port: int, driver: int, index: int) -> None:
    """driver->ports[index] = port; an index past the driver's lines is the kernel's WARN."""
    lines = ttyd._get(k, driver, "num", 4)
    ports = ttyd._get(k, driver, "ports")
    if index >= lines or not ports:
        k.linux.pr(f"WARNING: tty_port_link_device: index {index} is past the driver's {lines} line(s)", 4)
        k.linux.add_taint("W")
        return
    k.machine.mem.write_ptr(ports + index * k.machine.word_size, port)


@table.service("void tty_port_destroy(struct tty_port *port)")
def tty_port_destroy(k, port: int) -> None:
    """The flip buffers freed (none are ever allocated in kemu): the head left empty."""
    _empty_buffers(k, port)


@table.service("void tty_termios_encode_baud_rate(struct ktermios *termios, unsigned int ibaud, "
               "unsigned int obaud)")
def tty_termios_encode_baud_rate(k, termios: int, ibaud: int, obaud: int) -> None:
    """The speeds into c_ispeed/c_ospeed and c_cflag's baud bits (see the module docstring)."""
    mem, kt = k.machine.mem, "struct ktermios"
    cflag_at = termios + _off(k, kt, "c_cflag")
    if obaud == 0:
        ibaud = 0
    mem.write_u32(termios + _off(k, kt, "c_ispeed"), ibaud)
    mem.write_u32(termios + _off(k, kt, "c_ospeed"), obaud)
    cflag = mem.read_u32(cflag_at)
    iclose, oclose = ibaud // 50, obaud // 50
    ibinput = ((cflag >> IBSHIFT) & CBAUD) != 0
    if cflag & CBAUD == BOTHER:
        oclose = 0
        if not ibinput:
            iclose = 0
    if (cflag >> IBSHIFT) & CBAUD == BOTHER:
        iclose = 0
    cflag &= ~CBAUD & ~(CBAUD << IBSHIFT) & 0xFFFFFFFF
    ifound = ofound = -1
    for i, rate in enumerate(BAUD_TABLE):
        if obaud - oclose <= rate <= obaud + oclose:
            cflag |= BAUD_BITS[i]
            ofound = i
        if ibaud - iclose <= rate <= ibaud + iclose:
            ifound = i
            if not (ofound == i and not ibinput):
                cflag |= BAUD_BITS[i] << IBSHIFT
    if ofound == -1:
        cflag |= BOTHER
    if ifound == -1 and (ibaud != obaud or ibinput):
        cflag |= BOTHER << IBSHIFT
    mem.write_u32(cflag_at, cflag & 0xFFFFFFFF)


# --- the serial core's drivers -----------------------------------------------------------------
def _ud(k, drv: int, field: str) -> int:
    return k.machine.mem.read_ptr(drv + _off(k, "struct uart_driver", field))


def _standard_termios(k, termios: int) -> None:
    """tty_std_termios with the serial core's 9600 8N1 CREAD HUPCL CLOCAL."""
    mem, kt = k.machine.mem, "struct ktermios"
    for field, value in (("c_iflag", ICRNL | IXON), ("c_oflag", OPOST | ONLCR),
                         ("c_cflag", B9600 | CS8 | CREAD | HUPCL | CLOCAL),
                         ("c_lflag", ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN),
                         ("c_ispeed", 9600), ("c_ospeed", 9600)):
        mem.write_u32(termios + _off(k, kt, field), value)
    mem.write(termios + _off(k, kt, "c_cc"), INIT_C_CC)


@table.service("int uart_register_driver(struct uart_driver *drv)", needs_call=True)
def uart_register_driver(k, drv: int, call=None) -> int:
    """See the module docstring; 0 or the tty driver registry's error (everything given back)."""
    mem, ud, word = k.machine.mem, "struct uart_driver", k.machine.word_size
    if _ud(k, drv, "state"):
        k.linux.pr("kernel BUG at drivers/tty/serial/serial_core.c: uart_register_driver: driver "
                   "already has a state array (registered twice?)", 0)
        return -k.linux.errno.EINVAL
    nr = mem.read_u32(drv + _off(k, ud, "nr"))
    size = k.linux.layout.size("struct uart_state")
    state = k.heap.alloc(max(nr * size, 1), "kmalloc", zero=True, caller=call.return_address)
    mem.write_ptr(drv + _off(k, ud, "state"), state)
    owner = _ud(k, drv, "owner")
    normal = ttyd.__tty_alloc_driver(k, nr, owner, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV, call=call)
    if normal >= (1 << (8 * word)) - 4095:                           # IS_ERR
        k.heap.free(state)
        mem.write_ptr(drv + _off(k, ud, "state"), 0)
        return normal - (1 << (8 * word))
    mem.write_ptr(drv + _off(k, ud, "tty_driver"), normal)
    ttyd._put(k, normal, "driver_name", _ud(k, drv, "driver_name"))
    ttyd._put(k, normal, "name", _ud(k, drv, "dev_name"))
    ttyd._put(k, normal, "major", mem.read_u32(drv + _off(k, ud, "major")), 4)
    ttyd._put(k, normal, "minor_start", mem.read_u32(drv + _off(k, ud, "minor")), 4)
    ttyd._put(k, normal, "type", TTY_DRIVER_TYPE_SERIAL, 2)
    ttyd._put(k, normal, "subtype", SERIAL_TYPE_NORMAL, 2)
    _standard_termios(k, normal + ttyd._off(k, "init_termios"))
    ttyd._put(k, normal, "driver_state", drv)
    for i in range(nr):
        port_init(k, state + i * size + _off(k, "struct uart_state", "port"))
    ret = ttyd.tty_register_driver(k, normal, call=call)
    if ret >= 0:
        return ret
    ttyd.tty_driver_kref_put(k, normal)
    k.heap.free(state)
    mem.write_ptr(drv + _off(k, ud, "state"), 0)
    mem.write_ptr(drv + _off(k, ud, "tty_driver"), 0)
    return ret


@table.service("void uart_unregister_driver(struct uart_driver *drv)")
def uart_unregister_driver(k, drv: int) -> None:
    """The tty driver unregistered and put, the ports destroyed, the state array freed."""
    mem, ud = k.machine.mem, "struct uart_driver"
    normal, state = _ud(k, drv, "tty_driver"), _ud(k, drv, "state")
    if not normal:
        k.linux.pr("WARNING: uart_unregister_driver: driver was never registered", 4)
        return
    nr = mem.read_u32(drv + _off(k, ud, "nr"))
    ttyd.tty_unregister_driver(k, normal)
    ttyd.tty_driver_kref_put(k, normal)
    size = k.linux.layout.size("struct uart_state")
    for i in range(nr):
        tty_port_destroy(k, state + i * size + _off(k, "struct uart_state", "port"))
    k.heap.free(state)
    mem.write_ptr(drv + _off(k, ud, "state"), 0)
    mem.write_ptr(drv + _off(k, ud, "tty_driver"), 0)
