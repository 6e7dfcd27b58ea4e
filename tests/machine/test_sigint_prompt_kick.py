"""A Ctrl-C that lands between readline's prompt and its select() must still reach the
prompt: the SIGINT watcher re-sends it to the main thread when the handler has not run."""
import signal
import threading

from kemu.machine import Machine
from kemu.machine.sigint import SigintRouter


def _router_at_prompt(monkeypatch, arrived: int, handled: int):
    sent = []
    monkeypatch.setattr(signal, "pthread_kill", lambda ident, sig: sent.append((ident, sig)))
    router = SigintRouter(Machine("i386"))
    router._prompt, router._arrived, router._handled = 1, arrived, handled
    return router, sent


def test_an_unhandled_ctrl_c_at_a_prompt_is_sent_again_to_the_main_thread(monkeypatch):
    router, sent = _router_at_prompt(monkeypatch, arrived=1, handled=0)
    router._kick_a_sleeping_prompt(grace=0)
    assert sent == [(threading.main_thread().ident, signal.SIGINT)]
    assert router._kicks == 1                  # its own byte on the wakeup fd is not a new Ctrl-C


def test_a_ctrl_c_the_handler_already_took_is_not_sent_again(monkeypatch):
    router, sent = _router_at_prompt(monkeypatch, arrived=1, handled=1)
    router._kick_a_sleeping_prompt(grace=0)
    assert sent == [] and router._kicks == 0


def test_no_kick_while_a_command_runs(monkeypatch):
    router, sent = _router_at_prompt(monkeypatch, arrived=1, handled=0)
    router._prompt = 0                         # the guest is running: the poke handles it
    router._kick_a_sleeping_prompt(grace=0)
    assert sent == []
