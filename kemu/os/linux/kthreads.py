"""Kernel threads (kernel/kthread.c, kernel/sched/core.c, 6.1): tasks that run a module's
function on their own stack beside the task insmod runs as.

Design. kemu has one CPU and strictly nested guest calls, so a thread is a *suspendable run*
(kemu/machine/suspend.py): its threadfn runs on a stack of its own; when it sleeps (schedule,
schedule_timeout, wait_event*, msleep, wait_for_completion — every sleep goes through
waiting.py's `Waiting.sleep`) the sleeping service raises Suspension, the run stops with its
CPU context saved, and control goes back to whoever ran the thread. Waking it (wake_up_process,
a wait queue's wake function, its timeout on the virtual clock) runs it again *at once*, from
the trapped sleep, until it sleeps again or returns: like a thread on another CPU of an SMP
machine, which is what the modules expect of kthread_run. The sleeping service is called anew
when the run resumes (suspend.py: the call is replayed); `block` below recognises that second
call by the thread's pending sleep and returns what the first one would have returned.

Why not a run that only goes "up to its first sleep" and starts over: a thread's loop keeps
state in its locals, so starting the function again is not the same program. Why not host
threads or greenlets: Unicorn's nested emu_start keeps C state that must unwind in order; a
saved CPU context and a stack of the thread's own are plain guest state, resumable from
anywhere in the nesting.

A sleep that cannot suspend — the thread called a service that called back into the guest,
which slept — falls back to kemu's single-task sleep (the clock moves on in place).

Life cycle: kthread_create_on_node makes the task (TASK_UNINTERRUPTIBLE, not run);
the first wake-up starts it — but a thread told to stop before it ever ran returns -EINTR
without running threadfn, as kthread() does. kthread_stop sets the stop bit, wakes the
thread and waits (uninterruptibly, on the virtual clock) until threadfn returned; a thread
that never returns ends in waiting.py's hung-task report. A module unloading with a thread
alive would free the code under it: the loader's undo reports it (a leak) and stops it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kemu.kernel import GuestCrash, KernelPanic, guarded_call
from kemu.machine.suspend import Suspension

from .waiting import TASK_NORMAL, TASK_RUNNING, TASK_UNINTERRUPTIBLE

TASK_COMM_LEN = 16
THREAD_SIZE = 0x4000          # x86_64's THREAD_SIZE (16 KiB); i386's 8 KiB gets as much
FIRST_PID = 2                 # pid 1 is init; kthreadd is 2, its children follow
EINTR = 4


@dataclass
class Sleep:
    """A thread's sleep in progress: when it times out (jiffies; None: never) and whether
    a wake-up ended it."""
    deadline: int | None
    woken: bool = False
    condition: Callable[[], bool] | None = None   # what it waits for, when kemu checks it


@dataclass
class KThread:
    """One kernel thread: its task_struct in guest memory and kemu's side of kthread.c's
    `struct kthread` (flags, result, the suspended run)."""
    task: int
    fn: int
    data: int
    name: str
    pid: int
    stack: tuple[int, int]
    module: object = None
    started: bool = False
    running: bool = False           # on the host call stack now (its run is active)
    exited: bool = False
    result: int = 0
    should_stop: bool = False
    should_park: bool = False
    parked: bool = False
    cpu: int = -1                   # kthread_bind's CPU
    suspended: Suspension | None = None
    sleep: Sleep | None = None
    replaying: bool = False         # resumed: the next sleep is the trapped one called anew
    exiting: bool = False           # do_exit() from the thread
    timer: int = 0                  # kemu's timer_list for its sleep timeouts


class KThreads:
    """Every kernel thread by task, the one running now, scheduling and sleeping."""

    def __init__(self, system) -> None:
        self.system = system
        self.threads: dict[int, KThread] = {}
        self.by_timer: dict[int, KThread] = {}
        self.next_pid = FIRST_PID + 1
        self.current: list[KThread] = []        # threads whose runs are active, innermost last
        self.runnable: list[KThread] = []       # woken, to run once the wake-up is complete
        self.main_task = 0                      # the task current was before threads ran

    # --- creation -----------------------------------------------------------------------------
    def create(self, fn: int, data: int, name: bytes, module) -> KThread:
        """kthread_create_on_node: a task named `name`, sleeping until first woken."""
        s = self.system
        lay, mem, heap = s.layout, s.machine.mem, s.kernel.heap
        task = heap.alloc(lay.size("struct task_struct"), "task_struct", zero=True)
        comm = name[:TASK_COMM_LEN - 1]
        mem.write(task + lay.offset("struct task_struct", "comm"), comm + b"\0")
        mem.write_u32(task + lay.offset("struct task_struct", "__state"), TASK_UNINTERRUPTIBLE)
        pid = self.next_pid
        self.next_pid += 1
        mem.write_u32(task + lay.offset("struct task_struct", "pid"), pid)
        mem.write_u32(task + lay.offset("struct task_struct", "tgid"), pid)
        lo = s.machine.alloc("kdata", THREAD_SIZE, 16)
        mem.write(lo, bytes(THREAD_SIZE))
        timer = heap.alloc(lay.size("struct timer_list"), "timer_list", zero=True)
        mem.write_ptr(timer + lay.offset("struct timer_list", "function"),
                      s.kernel.installed["__kemu_kthread_timeout"][1])
        t = KThread(task, fn, data, comm.decode("latin-1"), pid, (lo, lo + THREAD_SIZE), module, timer=timer)
        self.threads[task] = t
        self.by_timer[timer] = t
        if module is not None:
            module.on_unload(self._what(t), lambda: self.reap_at_unload(t))
        return t

    def _what(self, t: KThread) -> str:
        return f"kernel thread {t.name}:{t.pid} still running"

    def get(self, task: int) -> KThread | None:
        return self.threads.get(task)

    def running_thread(self) -> KThread | None:
        """The thread whose code runs now (current), if any."""
        return self.current[-1] if self.current else None

    # --- state word -----------------------------------------------------------------------------
    def _state_addr(self, t: KThread) -> int:
        return t.task + self.system.layout.offset("struct task_struct", "__state")

    def state(self, t: KThread) -> int:
        return self.system.machine.mem.read_u32(self._state_addr(t))

    def set_state(self, t: KThread, state: int) -> None:
        self.system.machine.mem.write_u32(self._state_addr(t), state)

    # --- waking and running ------------------------------------------------------------------------
    def wake(self, t: KThread, state: int = TASK_NORMAL) -> bool:
        """try_to_wake_up for a thread: True if it slept in one of `state`'s states. It
        becomes runnable and runs when the waker's wake-up is complete (`run_woken`, at the
        end of wake_up_process / __wake_up / complete): running it inside a wake function
        would let it queue its next wait before autoremove_wake_function takes the entry
        off. A thread that is running already (it woke itself, or a thread it woke wakes it
        back) carries on when its own run gets back to it."""
        if t.exited or not self.state(t) & state:
            return False
        self.set_state(t, TASK_RUNNING)
        if t.sleep is not None:
            t.sleep.woken = True
        if not t.running and t not in self.runnable:
            self.runnable.append(t)
        return True

    def run_woken(self) -> None:
        """Run the threads woken so far, in the order they were woken."""
        while self.runnable:
            t = self.runnable.pop(0)
            if not t.running and not t.exited:
                self.run(t)

    def run(self, t: KThread) -> None:
        """Run the thread until it sleeps or returns (its first run starts threadfn)."""
        if t.exited or t.running:
            return
        s = self.system
        machine = s.machine
        if not t.started and t.should_stop:
            self._exit(t, -EINTR)           # kthread(): stopped before it ever ran
            return
        prev = s.current_task
        if not self.current:
            self.main_task = prev               # insmod's task, which threads may wake
        self._set_current(t.task)
        t.running = True
        self.current.append(t)
        try:
            if t.suspended is None:
                t.started = True
                run = lambda: machine.call_on_stack(t.fn, (t.data,), t.stack, s.call_timeout)  # noqa: E731
            else:
                susp, t.suspended = t.suspended, None
                t.replaying = True
                run = lambda: machine.resume(susp, s.call_timeout)  # noqa: E731
            result = guarded_call(s.kernel, t.fn, what=f"kernel thread {t.name}", run=run)
        except Suspension as susp:
            if t.exiting:
                self._exit(t, t.result)
            else:
                t.suspended = susp
        except GuestCrash:
            self._exit(t, -EINTR)           # an oops in a kthread: it dies (make_task_dead)
        else:
            self._exit(t, _signed(result, machine.word_size))
        finally:
            t.running = False
            t.replaying = False
            self.current.pop()
            self._set_current(prev)

    def _set_current(self, task: int) -> None:
        """`current` (the per-CPU current_task) and kemu's idea of it."""
        s = self.system
        sym = s.kernel.symbols.get("current_task")
        if sym is not None and task:
            s.machine.mem.write_ptr(sym.addr + (s.percpu.addr if s.arch == "x86_64" else 0), task)
        s.current_task = task

    def _exit(self, t: KThread, result: int) -> None:
        """threadfn returned (or the thread called do_exit): `result` for kthread_stop."""
        t.exited, t.result, t.suspended, t.sleep = True, result, None, None
        self.set_state(t, 0x80)             # TASK_DEAD
        self.system.timekeeping.disarm(t.timer)
        if t.module is not None:
            t.module.forget_undo(self._what(t))

    # --- sleeping ------------------------------------------------------------------------------------
    def can_block(self) -> KThread | None:
        """The running thread, if a sleep now can suspend its run."""
        t = self.running_thread()
        if t is None or t.task != self.system.current_task or not self.system.machine.can_suspend():
            return None
        return t

    def block(self, t: KThread, timeout: int | None, woken) -> int:
        """Waiting.sleep for a thread: suspend its run until woken or `timeout` ticks
        passed; on the replayed call, the ticks left (0: timed out)."""
        tk = self.system.timekeeping
        if t.replaying:
            t.replaying = False
            sl, t.sleep = t.sleep, None
            if sl is not None:
                word = self.system.machine.word_size
                left = (timeout if timeout is not None else 0) if sl.deadline is None \
                    else max(_signed(sl.deadline - tk.jiffies, word), 0)
                if sl.woken or left == 0 or (woken is not None and woken()) or t.should_stop:
                    tk.disarm(t.timer)
                    self.set_state(t, TASK_RUNNING)
                    return left
                t.sleep = sl                          # resumed for nothing: sleep on
                raise Suspension("sleep")
        state = self.state(t)
        if woken is None and state == TASK_RUNNING:
            return timeout if timeout is not None else 0
        if woken is not None and woken():
            self.set_state(t, TASK_RUNNING)
            return timeout if timeout is not None else 0
        deadline = None if timeout is None else (tk.jiffies + timeout) & tk.mask
        t.sleep = Sleep(deadline, condition=woken)
        if deadline is not None:
            tk.arm(t.timer, deadline, None)
        raise Suspension("sleep")

    def end_replay(self) -> None:
        """The replayed call returned before sleeping again (what it waited for came)."""
        t = self.running_thread()
        if t is not None and t.replaying:
            t.replaying = False
            t.sleep = None
            self.system.timekeeping.disarm(t.timer)

    def timeout(self, timer: int) -> None:
        """The sleep's timer fired: the thread runs on (its sleep returns 0 ticks left)."""
        t = self.by_timer.get(timer)
        if t is None or t.exited or t.sleep is None:
            return
        if not t.running:
            self.set_state(t, TASK_RUNNING)
            self.run(t)

    def poll_waiters(self) -> None:
        """Threads waiting on a condition kemu checks (a completion's done count) whose
        condition now holds run on: complete() does not know its waiters otherwise."""
        for t in list(self.threads.values()):
            sl = t.sleep
            if sl is not None and sl.condition is not None and not sl.woken and not t.running \
                    and not t.exited and sl.condition():
                self.set_state(t, TASK_RUNNING)
                t.sleep.woken = True
                if t not in self.runnable:
                    self.runnable.append(t)
        self.run_woken()

    # --- stopping --------------------------------------------------------------------------------------
    def stop(self, t: KThread) -> int:
        """kthread_stop: set should_stop, wake it, wait until threadfn returned; its result."""
        t.should_stop = True
        t.should_park = False
        t.parked = False
        if not t.exited:
            if not self.wake(t, TASK_NORMAL) and not t.running and not t.exited:
                self.run(t)
            self.run_woken()
        if not t.exited:
            w = self.system.waiting
            w.waiting_on = f"kthread_stop of {t.name}:{t.pid}"
            w.set_state(TASK_UNINTERRUPTIBLE)
            w.sleep(None, lambda: t.exited)
        result = t.result
        self.forget(t)
        return result

    def forget(self, t: KThread) -> None:
        """The task goes (kthread_stop's put_task_struct)."""
        if not t.exited:
            return
        if self.threads.pop(t.task, None) is None:
            return
        self.by_timer.pop(t.timer, None)
        self.system.timekeeping.disarm(t.timer)
        # kemu's own parts go; the task_struct stays (its usage count is not modelled, and
        # a module may still hold a reference it took with get_task_struct)
        self.system.kernel.heap.free(t.timer)
        self.system.machine.free("kdata", t.stack[0])
        if t in self.runnable:
            self.runnable.remove(t)

    def reap_at_unload(self, t: KThread) -> None:
        """Loader undo: the module goes with its thread alive; stop it as kthread_stop
        would, or, if it will not return, drop it (its code is gone)."""
        if t.should_stop:          # kthread_stop already waited for it in vain
            self.system.pr(f"kemu: kernel thread {t.name}:{t.pid} never returned after kthread_stop: "
                           "dropped with its module", 4)
        else:
            self.system.pr(f"kemu: kernel thread {t.name}:{t.pid} still running when its module "
                           "unloads: stopping it", 4)
            try:
                self.stop(t)
            except KernelPanic as exc:
                self.system.pr(f"kemu: kernel thread {t.name}:{t.pid} dropped: {exc}", 4)
        t.exited = True
        self.forget(t)


def _signed(v: int, word: int) -> int:
    bits = 8 * word
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def kthreads(system) -> KThreads:
    """The system's kernel threads, made on first use."""
    kt = system.__dict__.get("kthreads")
    if kt is None:
        kt = system.__dict__["kthreads"] = KThreads(system)
    return kt
