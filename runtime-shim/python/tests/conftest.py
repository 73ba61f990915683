import asyncio
import inspect

import pytest


class InFlight:
    """Counts coroutines in flight and remembers the most seen at once."""

    def __init__(self) -> None:
        self.now = 0
        self.max = 0

    def __enter__(self) -> "InFlight":
        self.now += 1
        self.max = max(self.max, self.now)
        return self

    def __exit__(self, *exc: object) -> None:
        self.now -= 1


async def scrambled(i: int) -> None:
    """Yield to the loop a different number of times per item, so that
    completions arrive out of input order without any real waiting."""
    for _ in range((i * 7919) % 13):
        await asyncio.sleep(0)


def is_closed(coro: object) -> bool:
    return inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED


@pytest.fixture
def in_flight() -> InFlight:
    return InFlight()
