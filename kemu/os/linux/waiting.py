"""Sleeping on kemu's one task: wait queues, completions and schedule() on the virtual clock
(kernel/sched/wait.c, completion.c, core.c's try_to_wake_up, 6.1's semantics).

There is one task (`current`), and its state word (`task_struct.__state`) is the kernel's:
prepare_to_wait_event sets it to the sleep state, a wake function (try_to_wake_up) sets it
back to TASK_RUNNING. Nothing runs beside the sleeper except what the virtual clock drives
(timers, then queued work, tick by tick), so a sleep is a loop: move time on until the
sleeper is woken, or its timeout has passed. Time jumps straight to the next timer when
no work is queued, so a long timeout costs nothing.

A sleep with no timeout that nothing can end fails clearly instead of hanging the host:
* no timer armed and no work queued: nothing can ever wake the task — an uninterruptible
  sleep is a KernelPanic naming what it waited on (the call is abandoned, the machine goes
  on); an interruptible one is ended as by a signal (-ERESTARTSYS, like Ctrl-C on a real
  system);
* timers keep firing but none wakes it: after the hung-task timeout (120 s of virtual time)
  khungtaskd's `INFO: task … blocked for more than 120 seconds.`, then the same.

Kernel threads (kthreads.py) are the other tasks: while one runs it is `current`, and its
sleep suspends its run instead of moving time on; try_to_wake_up of a thread makes it
runnable, and it runs once the wake-up is complete (`run_woken`).
"""
from __future__ import annotations

from typing import Callable

from kemu.kernel import KernelPanic

TASK_RUNNING = 0x0000
TASK_INTERRUPTIBLE = 0x0001
TASK_UNINTERRUPTIBLE = 0x0002
TASK_WAKEKILL = 0x0100
TASK_NOLOAD = 0x0400
TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE
TASK_KILLABLE = TASK_WAKEKILL | TASK_UNINTERRUPTIBLE
TASK_IDLE = TASK_NOLOAD | TASK_UNINTERRUPTIBLE
WQ_FLAG_EXCLUSIVE = 0x01
WQ_FLAG_WOKEN = 0x02
ERESTARTSYS = 512
HUNG_TASK_TIMEOUT = 120          # seconds (Debian's CONFIG_DEFAULT_HUNG_TASK_TIMEOUT)


class Waiting:
    """The task's sleep state and the sleep loop; wait-queue lists live in guest memory."""

    def __init__(self, system) -> None:
        self.system = system
        self.signal_pending = False      # set when an endless interruptible sleep is ended
        self.waiting_on = ""             # what the task sleeps on, for messages

    # --- the task's state word ---------------------------------------------------------------
    @property
    def task(self) -> int:
        return self.system.current_task

    def _state_addr(self) -> int:
        return self.task + self.system.layout.offset("struct task_struct", "__state")

    def state(self) -> int:
        return self.system.machine.mem.read_u32(self._state_addr()) if self.task else TASK_RUNNING

    def set_state(self, state: int) -> None:
        if self.task:
            self.system.machine.mem.write_u32(self._state_addr(), state)

    def _kthreads(self):
        return self.system.__dict__.get("kthreads")

    def try_to_wake_up(self, task: int, state: int) -> bool:
        """Wake `task` if it sleeps in one of `state`'s states; True if it was woken. A
        kernel thread other than the running one is woken by kthreads.py (it runs on)."""
        kt = self._kthreads()
        if kt is not None and task:
            thread = kt.get(task)
            if thread is not None:
                return kt.wake(thread, state)
            if kt.current and task == kt.main_task:        # a thread wakes insmod's task
                at = task + self.system.layout.offset("struct task_struct", "__state")
                mem = self.system.machine.mem
                if not mem.read_u32(at) & state:
                    return False
                mem.write_u32(at, TASK_RUNNING)
                return True
        if not task or task != self.task or not self.state() & state:
            return False
        self.set_state(TASK_RUNNING)
        return True

    def signal_pending_state(self, state: int) -> bool:
        """signal_pending_state: a pending signal ends interruptible (or killable) sleeps."""
        return self.signal_pending and bool(state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL))

    def take_signal(self) -> None:
        self.signal_pending = False

    def end_replay(self) -> None:
        """A kernel thread's replayed sleeping call returned without sleeping (kthreads.py)."""
        kt = self._kthreads()
        if kt is not None:
            kt.end_replay()

    def run_woken(self) -> None:
        """A wake-up is complete: kernel threads it woke run now (kthreads.py)."""
        kt = self._kthreads()
        if kt is not None and kt.runnable:
            kt.run_woken()

    def conditions_changed(self) -> None:
        """Something a kernel thread may wait for without a wait queue (a completion's
        count) changed: such waiters whose condition holds run on (kthreads.py)."""
        kt = self._kthreads()
        if kt is not None:
            kt.poll_waiters()

    # --- sleeping --------------------------------------------------------------------------------
    def sleep(self, timeout: int | None, woken: Callable[[], bool] | None = None) -> int:
        """schedule_timeout in the current state: move time on until the task is woken
        (its state back to TASK_RUNNING, or `woken()` true), or `timeout` ticks have passed
        (None: no timeout). Returns the ticks left (0: timed out). The task is running after.
        A kernel thread's sleep suspends its run instead (kthreads.py: `block`)."""
        kt = self._kthreads()
        thread = kt.can_block() if kt is not None else None
        if thread is not None:
            return kt.block(thread, timeout, woken)
        state = self.state()
        is_woken = woken or (lambda: self.state() == TASK_RUNNING)
        if state == TASK_RUNNING and woken is None:
            return timeout if timeout is not None else 0
        tk = self.system.timekeeping
        hz = self.system.kernel.clock.hz
        left = timeout if timeout is not None else HUNG_TASK_TIMEOUT * hz
        try:
            while left > 0 and not is_woken():
                if self.signal_pending_state(state):
                    break
                step = tk.ticks_to_next_event()
                if step is None:                          # nothing left that could wake us
                    if timeout is None:
                        self._endless(state, "nothing left that could wake it (no timer armed, no work queued)")
                        break
                    tk.skip(left)
                    left = 0
                    break
                self.run_woken()
                step = max(1, min(step, left))
                if step > 1:
                    tk.skip(step - 1)
                tk.advance(1)
                left -= step
            else:
                if timeout is None and not is_woken():
                    pid, comm = self._pid_comm()
                    self.system.pr(f"INFO: task {comm}:{pid} blocked for more than {HUNG_TASK_TIMEOUT} seconds.", 3)
                    self._endless(state, f"still asleep after {HUNG_TASK_TIMEOUT} s of virtual time")
        finally:
            self.set_state(TASK_RUNNING)
        return max(left, 0)

    def _endless(self, state: int, why: str) -> None:
        """A sleep without timeout that cannot end: a signal for an interruptible one, a
        KernelPanic for the others."""
        if state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL):
            self.signal_pending = True
            return
        what = self.waiting_on or "a wait queue"
        raise KernelPanic(f"task sleeps uninterruptibly without timeout on {what}: {why}")

    def _pid_comm(self) -> tuple[int, str]:
        from .bugs import current_pid_comm
        return current_pid_comm(self.system)

    # --- wait-queue lists in guest memory ---------------------------------------------------------
    def entries(self, head: int) -> list[int]:
        """The wait_queue_entry addresses on `head`'s list (a wait_queue_head), in order."""
        lay, mem = self.system.layout, self.system.machine.mem
        lst = head + lay.offset("struct wait_queue_head", "head")
        off = lay.offset("struct wait_queue_entry", "entry")
        out, node = [], mem.read_ptr(lst)
        while node != lst and node and len(out) < 100_000:
            out.append(node - off)
            node = mem.read_ptr(node)
        return out

    def list_add(self, node: int, head: int, tail: bool) -> None:
        """list_add (after head) or list_add_tail (before it) of list_head `node`."""
        mem, word = self.system.machine.mem, self.system.machine.word_size
        if tail:
            prev, nxt = mem.read_ptr(head + word), head
        else:
            prev, nxt = head, mem.read_ptr(head)
        mem.write_ptr(node, nxt)
        mem.write_ptr(node + word, prev)
        mem.write_ptr(prev, node)
        mem.write_ptr(nxt + word, node)

    def list_del_init(self, node: int) -> None:
        mem, word = self.system.machine.mem, self.system.machine.word_size
        nxt, prev = mem.read_ptr(node), mem.read_ptr(node + word)
        if nxt and prev:
            mem.write_ptr(prev, nxt)
            mem.write_ptr(nxt + word, prev)
        self.init_list(node)

    def init_list(self, node: int) -> None:
        mem, word = self.system.machine.mem, self.system.machine.word_size
        mem.write_ptr(node, node)
        mem.write_ptr(node + word, node)

    def list_empty(self, node: int) -> bool:
        return self.system.machine.mem.read_ptr(node) == node
