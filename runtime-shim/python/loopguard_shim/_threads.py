"""Named worker threads with a stop signal and a bounded join."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

__all__ = ["ThreadReport", "ThreadSupervisor"]

logger = logging.getLogger("loopguard_shim")

#: How long the interpreter-exit hook waits for a supervisor's threads.
EXIT_GRACE = 5.0


@dataclass
class ThreadReport:
    """What became of a supervisor's threads at shutdown."""

    #: Threads that returned normally.
    stopped: list[str] = field(default_factory=list)
    #: Threads that raised; the exception was logged when it happened.
    failed: list[str] = field(default_factory=list)
    #: Threads still alive when the grace period ran out.
    still_running: list[str] = field(default_factory=list)

    @property
    def all_stopped(self) -> bool:
        """Whether every thread ended within the grace period."""
        return not self.still_running


def _register_exit_hook(hook: Callable[[], None]) -> None:
    # Non-daemon threads are joined *before* ``atexit`` handlers run, so a
    # worker waiting for its stop event would hang the interpreter forever if
    # the stop were only sent from ``atexit``. ``threading._register_atexit``
    # (used by ``concurrent.futures`` for the same reason) runs before that
    # join; ``atexit`` is the fallback should it ever disappear.
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        import atexit

        atexit.register(hook)
    else:
        register(hook)


class ThreadSupervisor:
    """Owns non-daemon, named worker threads that share one stop ``Event``.

    Daemon threads are killed mid-write at interpreter exit, and plain
    threads that loop forever keep the interpreter from exiting. Supervised
    threads are told to stop (their target receives the stop event as its
    first argument), and are joined with a bounded wait on :meth:`shutdown`,
    on leaving ``with``, and at interpreter exit::

        def flusher(stop: threading.Event) -> None:
            while not stop.wait(1.0):   # sleeps, but wakes at once on stop
                flush()

        workers = ThreadSupervisor()
        workers.spawn("flusher", flusher)
        ...
        report = workers.shutdown(grace=5.0)
        if not report.all_stopped:
            log.warning("threads did not stop: %s", report.still_running)
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._failed: set[threading.Thread] = set()
        this = weakref.ref(self)

        def at_exit() -> None:
            supervisor = this()
            if supervisor is not None and supervisor._threads:
                report = supervisor.shutdown(EXIT_GRACE)
                if not report.all_stopped:
                    logger.warning(
                        "threads did not stop at interpreter exit: %s",
                        ", ".join(report.still_running),
                    )

        _register_exit_hook(at_exit)

    @property
    def stop_event(self) -> threading.Event:
        """The event set on shutdown; every managed thread receives it."""
        return self._stop

    def spawn(
        self, name: str, target: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> threading.Thread:
        """Start ``target(stop_event, *args, **kwargs)`` in a thread called
        ``name``. Raises ``RuntimeError`` after shutdown has begun."""
        if self._stop.is_set():
            raise RuntimeError("ThreadSupervisor is shut down")

        def run() -> None:
            try:
                target(self._stop, *args, **kwargs)
            except Exception:
                with self._lock:
                    self._failed.add(threading.current_thread())
                logger.exception("supervised thread %r failed", name)

        thread = threading.Thread(target=run, name=name, daemon=False)
        with self._lock:
            self._threads.append(thread)
        thread.start()
        return thread

    def shutdown(self, grace: float = 5.0) -> ThreadReport:
        """Set the stop event and wait up to ``grace`` seconds in total for
        the threads to end. Threads that are still running are reported (and
        left running: Python cannot kill a thread)."""
        self._stop.set()
        with self._lock:
            threads, self._threads = self._threads, []
        deadline = time.monotonic() + grace
        report = ThreadReport()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            name = thread.name
            if thread.is_alive():
                report.still_running.append(name)
            elif thread in self._failed:
                report.failed.append(name)
            else:
                report.stopped.append(name)
        return report

    def __enter__(self) -> ThreadSupervisor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        report = self.shutdown()
        if not report.all_stopped:
            logger.warning("threads did not stop: %s", ", ".join(report.still_running))
