"""Bounded fan-out: the replacement for an unbounded ``asyncio.gather``."""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

__all__ = ["gather_bounded", "map_bounded"]


def check_limit(limit: int) -> None:
    """Reject limits that would deadlock (0) or are not counts at all."""
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"limit must be an int, got {type(limit).__name__}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")


def discard(aw: Awaitable[Any]) -> None:
    """Dispose of an awaitable that will never be awaited.

    Closing a coroutine avoids the "coroutine was never awaited" warning and
    runs its ``finally`` blocks; a future is cancelled instead.
    """
    if inspect.iscoroutine(aw):
        aw.close()
    elif isinstance(aw, asyncio.Future):
        aw.cancel()


async def gather_bounded(
    *aws: Awaitable[Any], limit: int, return_exceptions: bool = False
) -> list[Any]:
    """Like :func:`asyncio.gather`, with at most ``limit`` awaitables running.

    Results come back in input order. Coroutines are wrapped in tasks only
    when a slot frees up, so at most ``limit`` of them have started at any
    time (awaitables that are already tasks or futures run on their own and
    are only *awaited* ``limit`` at a time).

    If one fails and ``return_exceptions`` is false, its exception is raised
    after the running ones have been cancelled and awaited and the ones not
    yet started have been closed, so nothing is left running in the
    background. If the caller is cancelled, the same clean-up happens. With
    ``return_exceptions`` true, exceptions (and ``CancelledError`` for a
    child that was cancelled) are returned in place of results.

    Raises ``ValueError`` if ``limit`` is less than 1 (after closing the
    awaitables, which would otherwise warn that they were never awaited).
    """
    try:
        check_limit(limit)
    except (TypeError, ValueError):
        for aw in aws:
            discard(aw)
        raise

    results: list[Any] = [None] * len(aws)
    pending = iter(enumerate(aws))
    running: dict[asyncio.Future[Any], int] = {}

    def fill() -> None:
        while len(running) < limit:
            started = next(pending, None)
            if started is None:
                return
            index, aw = started
            running[asyncio.ensure_future(aw)] = index

    try:
        fill()
        while running:
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for fut in done:
                index = running.pop(fut)
                if fut.cancelled():
                    outcome: Any = asyncio.CancelledError()
                else:
                    outcome = fut.exception()
                if outcome is None:
                    results[index] = fut.result()
                elif return_exceptions:
                    results[index] = outcome
                else:
                    raise outcome
            fill()
        return results
    finally:
        for _, aw in pending:
            discard(aw)
        for fut in running:
            fut.cancel()
        if running:
            await asyncio.wait(running)
            for fut in running:
                # Mark late failures as seen; the first error is the one
                # being raised, and the rest would only be logged as
                # "exception was never retrieved".
                if not fut.cancelled():
                    fut.exception()


async def map_bounded(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T] | AsyncIterable[T],
    limit: int,
) -> AsyncIterator[R]:
    """Yield ``await fn(item)`` for each item, in input order, with at most
    ``limit`` calls in flight.

    ``items`` may be a normal or an async iterable; it is consumed only as
    slots free up, so it can be huge or endless. A call that finishes early
    still holds its slot until the results before it have been yielded (the
    price of keeping order).

    If a call fails, its exception is raised as soon as it happens (not when
    its turn comes) and the other calls in flight are cancelled. To stop
    early (``break``), close the generator so that the calls in flight are
    cancelled right away rather than when it is garbage collected::

        async with contextlib.aclosing(map_bounded(fetch, urls, 10)) as results:
            async for page in results:
                ...
    """
    check_limit(limit)
    source = _as_async_iterator(items)
    window: deque[asyncio.Future[R]] = deque()
    exhausted = False
    try:
        while True:
            while not exhausted and len(window) < limit:
                try:
                    item = await anext(source)
                except StopAsyncIteration:
                    exhausted = True
                else:
                    window.append(asyncio.ensure_future(fn(item)))
            if not window:
                return
            # Wait for the head, but surface a failure further back at once
            # instead of after everything ahead of it has finished.
            while not window[0].done():
                done, _ = await asyncio.wait(window, return_when=asyncio.FIRST_COMPLETED)
                for fut in done:
                    if not fut.cancelled() and fut.exception() is not None:
                        window.remove(fut)
                        fut.result()
            yield window.popleft().result()
    finally:
        for fut in window:
            fut.cancel()
        if window:
            await asyncio.gather(*window, return_exceptions=True)


async def _iterate(items: Iterable[T]) -> AsyncIterator[T]:
    for item in items:
        yield item


def _as_async_iterator(items: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    if isinstance(items, AsyncIterable):
        return aiter(items)
    return _iterate(items)
