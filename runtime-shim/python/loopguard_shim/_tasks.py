"""Owned asyncio tasks: a bounded task group and a supervisor."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

from ._fanout import check_limit

T = TypeVar("T")

__all__ = ["BoundedTaskGroup", "TaskSupervisor"]

logger = logging.getLogger("loopguard_shim")


class BoundedTaskGroup:
    """An :class:`asyncio.TaskGroup` that runs at most ``limit`` tasks at once.

    There are two ways in, and neither can be forgotten without a trace:

    ``create_task(coro)`` is synchronous, like ``TaskGroup.create_task``: it
    returns the task at once, and the task waits for a free slot before it
    starts ``coro``. At most ``limit`` coroutines run at once, but the loop
    that creates the tasks is not held back, so every task (and its
    coroutine) is in memory until it ends::

        async with BoundedTaskGroup(10) as tg:
            for url in urls:
                tg.create_task(fetch(url))      # returns at once; runs <= 10 at a time

    ``await spawn_when_free(coro)`` waits for a free slot *before* it
    creates the task, so the loop itself is throttled and no more than
    ``limit`` tasks exist at once. Use it for large or unbounded inputs::

        async with BoundedTaskGroup(10) as tg:
            async for message in subscription:
                await tg.spawn_when_free(handle(message))

    Everything else is ``TaskGroup``'s: leaving the block waits for every
    task, and the first failure cancels the rest and is raised in an
    ``ExceptionGroup``. A slot is freed when its task finishes, however it
    finishes (including cancellation before it ever ran), and a coroutine
    whose task is cancelled before it got a slot is closed, not leaked.
    """

    def __init__(self, limit: int) -> None:
        check_limit(limit)
        self._slots = asyncio.Semaphore(limit)
        self._group = asyncio.TaskGroup()

    async def __aenter__(self) -> BoundedTaskGroup:
        await self._group.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        return await self._group.__aexit__(exc_type, exc, tb)

    def create_task(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        name: str | None = None,
        context: contextvars.Context | None = None,
    ) -> asyncio.Task[T]:
        """Create a task in the group now; it runs ``coro`` once a slot is free.

        Like ``TaskGroup.create_task``, this does not wait and the task may
        be ignored: the group keeps it and awaits it on exit. (Awaiting the
        returned task waits for ``coro`` to *finish*; to wait only for a
        slot, use :meth:`spawn_when_free`.) ``RuntimeError`` if the group is
        not entered, is finished or is shutting down; ``coro`` is closed then.
        """
        if not asyncio.iscoroutine(coro):
            raise TypeError(f"a coroutine was expected, got {coro!r}")
        runner = self._run_in_slot(coro)
        try:
            task = self._group.create_task(runner, name=name, context=context)
        except BaseException:
            runner.close()
            coro.close()
            raise
        # A task cancelled before its first step never enters ``_run_in_slot``,
        # so ``coro`` would be left unawaited; closing a finished coroutine is
        # a no-op.
        task.add_done_callback(lambda _: coro.close())
        return task

    async def _run_in_slot(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            await self._slots.acquire()
        except BaseException:
            coro.close()
            raise
        try:
            return await coro
        finally:
            self._slots.release()

    async def spawn_when_free(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        name: str | None = None,
        context: contextvars.Context | None = None,
    ) -> asyncio.Task[T]:
        """Wait for a free slot, then start ``coro`` in the group and return
        its task.

        If the wait is cancelled (for example because another task in the
        group failed) or the group refuses the task, ``coro`` is closed so it
        does not warn that it was never awaited.
        """
        try:
            await self._slots.acquire()
        except BaseException:
            coro.close()
            raise
        try:
            task = self._group.create_task(coro, name=name, context=context)
        except BaseException:
            self._slots.release()
            coro.close()
            raise
        # A done callback runs however the task ends, even if it is cancelled
        # before its first step, when a try/finally inside it would not run.
        task.add_done_callback(lambda _: self._slots.release())
        return task


class TaskSupervisor:
    """Owns fire-and-forget tasks so they are neither lost nor silent.

    ``asyncio.create_task`` keeps only a weak reference to a task, so an
    unreferenced background task can be garbage-collected mid-flight, and its
    exception is reported (if at all) only when that happens. A supervisor
    keeps a strong reference until the task ends, logs its exception at once
    on the ``loopguard_shim`` logger, and cancels and awaits whatever is left
    on :meth:`aclose` (or on leaving ``async with``)::

        async with TaskSupervisor() as background:
            background.create_task(refresh_cache())
            await serve()
    """

    def __init__(self, *, logger: logging.Logger = logger) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._logger = logger
        self._closed = False

    def create_task(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        name: str | None = None,
        context: contextvars.Context | None = None,
    ) -> asyncio.Task[T]:
        """Start ``coro`` as a supervised task; raises ``RuntimeError`` once
        the supervisor is closed."""
        if self._closed:
            coro.close()
            raise RuntimeError("TaskSupervisor is closed")
        task = asyncio.get_running_loop().create_task(coro, name=name, context=context)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._logger.error("supervised task %r failed", task.get_name(), exc_info=exc)

    def __len__(self) -> int:
        """The number of tasks still running."""
        return len(self._tasks)

    async def aclose(self) -> None:
        """Cancel every task and wait until they have all finished.

        Once closing has begun the supervisor refuses new tasks, so a task
        that reacts to cancellation by spawning more work gets a
        ``RuntimeError`` instead of prolonging the shutdown. A task that
        swallows its cancellation and keeps running keeps this waiting.
        """
        self._closed = True
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)

    async def __aenter__(self) -> TaskSupervisor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
