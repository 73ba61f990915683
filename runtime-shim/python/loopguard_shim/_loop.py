"""Event-loop set-up and run-time detection of a blocked loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["LoopLagMonitor", "run"]

logger = logging.getLogger("loopguard_shim")


def run(
    main: Coroutine[Any, Any, T],
    *,
    use_uvloop: bool | None = None,
    debug: bool | None = None,
) -> T:
    """Run ``main`` to completion on a fresh event loop, like :func:`asyncio.run`.

    With ``use_uvloop=None`` (the default) uvloop is used when it is
    installed (``pip install 'loopguard-shim[uvloop]'``); ``True`` requires it
    and ``False`` never uses it. The loop comes from
    ``asyncio.Runner(loop_factory=uvloop.new_event_loop)``, which is what
    ``uvloop.run`` does and works unchanged on Python 3.11 to 3.14, instead of
    ``uvloop.install()`` / ``asyncio.set_event_loop_policy``, which are
    deprecated from 3.12 and 3.14 on respectively.
    """
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    if use_uvloop is not False:
        try:
            import uvloop
        except ImportError:
            if use_uvloop:
                main.close()
                raise
        else:
            loop_factory = uvloop.new_event_loop
    with asyncio.Runner(debug=debug, loop_factory=loop_factory) as runner:
        return runner.run(main)


class LoopLagMonitor:
    """Reports when the running event loop was blocked for ``threshold`` seconds.

    A probe task sleeps for ``interval`` and measures how late it wakes up;
    the lateness is time the loop spent in code that did not yield (a
    blocking call, a long computation). This is the run-time complement of
    loopguard's static checks. Each lag of at least ``threshold`` goes to
    ``on_lag(lag_seconds)``, or is logged as a warning on the
    ``loopguard_shim`` logger by default::

        async def main() -> None:
            async with LoopLagMonitor(threshold=0.1, interval=0.25):
                await serve()

    ``max_lag`` and ``lag_count`` keep the worst lag seen and the number of
    reports, for metrics.
    """

    def __init__(
        self,
        threshold: float = 0.1,
        interval: float = 0.25,
        *,
        on_lag: Callable[[float], None] | None = None,
    ) -> None:
        if threshold <= 0 or interval <= 0:
            raise ValueError("threshold and interval must be > 0")
        self.threshold = threshold
        self.interval = interval
        self.max_lag = 0.0
        self.lag_count = 0
        self._on_lag = on_lag
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start probing the running loop (call from inside it)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._probe(), name="loopguard-loop-lag-monitor"
            )

    async def stop(self) -> None:
        """Stop probing and wait for the probe task to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _probe(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.interval)
            lag = loop.time() - started - self.interval
            self.max_lag = max(self.max_lag, lag)
            if lag >= self.threshold:
                self.lag_count += 1
                self._report(lag)

    def _report(self, lag: float) -> None:
        if self._on_lag is None:
            logger.warning("event loop was blocked for %.3f s", lag)
            return
        try:
            self._on_lag(lag)
        except Exception:
            # A broken callback must not kill the probe for good.
            logger.exception("LoopLagMonitor on_lag callback failed")

    async def __aenter__(self) -> LoopLagMonitor:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
