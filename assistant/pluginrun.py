"""Running plugin code: under a time limit, with its prints kept off Ting's own output.

Every call into a plugin (its import, its ``register_*`` hooks, ``handle_intent`` and the
rest) goes through :func:`run_plugin_code`. The call runs in a daemon thread and the caller
waits at most the limit: a plugin that never returns is reported and left behind, and the
waiting caller still sees Ctrl-C. ``sys.exit()`` or ``KeyboardInterrupt`` raised by the plugin
is its failure, not the end of Ting. Whatever the plugin prints goes to stderr, because
stdout carries Ting's replies and JSON.
"""

from __future__ import annotations

import contextvars
import sys
import threading
from collections.abc import Callable
from typing import IO, Any, TypeVar

from .errors import PluginError

__all__ = ["DEFAULT_LIMIT", "PluginAborted", "PluginTimeout", "run_plugin_code"]

T = TypeVar("T")

DEFAULT_LIMIT = 5.0
"""Seconds a plugin call may take before it is given up on (``plugins.timeout``)."""


class PluginTimeout(PluginError):
    """Plugin code did not return within its time limit."""


class PluginAborted(PluginError):
    """Plugin code called ``sys.exit()`` or raised ``KeyboardInterrupt``."""


_state = threading.local()
_busy: dict[str, threading.Thread] = {}
_busy_lock = threading.Lock()


def in_plugin_code() -> bool:
    """Whether the current thread is running plugin code."""
    return bool(getattr(_state, "plugin", False))


class _StdoutGuard:
    """sys.stdout for Ting's own writes; a plugin's writes go to stderr instead."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if in_plugin_code():
            return sys.stderr.write(text)
        return self._stream.write(text)

    def flush(self) -> None:
        if in_plugin_code():
            sys.stderr.flush()
        else:
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _guard_stdout() -> None:
    if not isinstance(sys.stdout, _StdoutGuard) and sys.stdout is not None:
        sys.stdout = _StdoutGuard(sys.stdout)  # type: ignore[assignment]


def _call(func: Callable[[], T], what: str) -> T:
    """Call plugin code in this thread, marked as plugin code."""
    previous = in_plugin_code()
    _state.plugin = True
    try:
        return func()
    except SystemExit:
        raise PluginAborted(f"{what} called sys.exit()") from None
    except KeyboardInterrupt:
        if threading.current_thread() is threading.main_thread():
            raise  # the user's Ctrl-C, not the plugin's
        raise PluginAborted(f"{what} raised KeyboardInterrupt") from None
    finally:
        _state.plugin = previous


def run_plugin_code(
    func: Callable[[], T], what: str, limit: float | None = DEFAULT_LIMIT, key: str | None = None
) -> T:
    """``func()``, run as plugin code, within ``limit`` seconds (None or 0: no limit).

    :param what: names the call in errors ("plugin 'alarm' in handle_intent").
    :param key: calls with the same key run one at a time: while an earlier call given up
        on is still running, the next fails at once instead of piling up threads.
    :raises PluginTimeout: past the limit (the call is left running in its thread).
    :raises PluginAborted: the plugin called ``sys.exit()`` or raised ``KeyboardInterrupt``.
    Anything else the plugin raises is raised here.
    """
    _guard_stdout()
    if not limit or in_plugin_code():  # no limit, or already inside a limited call
        return _call(func, what)
    if key is not None:
        with _busy_lock:
            stuck = _busy.get(key)
            if stuck is not None and stuck.is_alive():
                raise PluginTimeout(f"{what} is still busy with an earlier call")
    outcome: dict[str, Any] = {}
    done = threading.Event()
    context = contextvars.copy_context()

    def target() -> None:
        try:
            outcome["value"] = context.run(_call, func, what)
        except BaseException as exc:  # handed to the waiting caller
            outcome["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=target, name=f"ting: {what}", daemon=True)
    thread.start()
    if not done.wait(limit):
        if key is not None:
            with _busy_lock:
                _busy[key] = thread
        raise PluginTimeout(f"{what} did not return within {limit:g} s")
    if "error" in outcome:
        error: BaseException = outcome["error"]
        raise error
    value: T = outcome["value"]
    return value
