import asyncio

import pytest
from conftest import InFlight, is_closed, scrambled

from loopguard_shim import gather_bounded, map_bounded


async def work(i: int, in_flight: InFlight) -> int:
    with in_flight:
        await scrambled(i)
        return i


def test_gather_bounded_keeps_order_and_the_bound(in_flight: InFlight) -> None:
    async def main() -> list[int]:
        return await gather_bounded(*(work(i, in_flight) for i in range(3000)), limit=7)

    assert asyncio.run(main()) == list(range(3000))
    assert in_flight.max == 7


def test_gather_bounded_creates_tasks_lazily() -> None:
    started: list[int] = []

    async def track(i: int) -> int:
        started.append(i)
        await asyncio.sleep(0)
        return i

    async def main() -> None:
        pending = asyncio.ensure_future(gather_bounded(*(track(i) for i in range(100)), limit=3))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert len(started) <= 3
        await pending

    asyncio.run(main())


def test_first_error_cancels_running_and_closes_the_rest(in_flight: InFlight) -> None:
    cancelled: list[int] = []

    async def job(i: int) -> int:
        with in_flight:
            if i == 2:
                raise KeyError("bad item")
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                cancelled.append(i)
                raise
            return i

    coros = [job(i) for i in range(50)]

    async def main() -> None:
        with pytest.raises(KeyError, match="bad item"):
            await gather_bounded(*coros, limit=4)

    asyncio.run(main())
    assert sorted(cancelled) == [0, 1, 3]
    assert in_flight.now == 0
    assert all(is_closed(c) for c in coros), "unstarted coroutines are closed, not leaked"


def test_return_exceptions_puts_errors_in_place() -> None:
    async def job(i: int) -> int:
        await scrambled(i)
        if i % 3 == 0:
            raise ValueError(i)
        return i

    async def main() -> list[object]:
        return await gather_bounded(*(job(i) for i in range(30)), limit=5, return_exceptions=True)

    results = asyncio.run(main())
    for i, result in enumerate(results):
        if i % 3 == 0:
            assert isinstance(result, ValueError) and result.args == (i,)
        else:
            assert result == i


def test_cancelling_the_caller_cancels_children_and_closes_the_rest(in_flight: InFlight) -> None:
    async def job() -> None:
        with in_flight:
            await asyncio.sleep(60)

    coros = [job() for _ in range(20)]

    async def main() -> None:
        outer = asyncio.ensure_future(gather_bounded(*coros, limit=5))
        while in_flight.now < 5:
            await asyncio.sleep(0)
        outer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await outer

    asyncio.run(main())
    assert in_flight.now == 0
    assert all(is_closed(c) for c in coros)


def test_gather_bounded_accepts_existing_futures() -> None:
    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        done.set_result(41)
        return await gather_bounded(done, asyncio.sleep(0, result=42), limit=1)

    assert asyncio.run(main()) == [41, 42]


@pytest.mark.parametrize("limit", [0, -1])
def test_bad_limit_is_rejected_and_closes_the_awaitables(limit: int) -> None:
    coro = asyncio.sleep(0)

    async def main() -> None:
        with pytest.raises(ValueError, match="at least 1"):
            await gather_bounded(coro, limit=limit)

    asyncio.run(main())
    assert is_closed(coro)


def test_limit_is_keyword_only() -> None:
    coro = asyncio.sleep(0)
    with pytest.raises(TypeError):
        gather_bounded(coro, 3)  # type: ignore[call-arg]
    coro.close()


def test_map_bounded_sync_iterable(in_flight: InFlight) -> None:
    async def main() -> list[int]:
        return [r async for r in map_bounded(lambda i: work(i, in_flight), range(2000), 9)]

    assert asyncio.run(main()) == list(range(2000))
    assert 1 < in_flight.max <= 9


def test_map_bounded_async_iterable_is_pulled_lazily() -> None:
    pulled: list[int] = []

    async def source():
        for i in range(1000):
            pulled.append(i)
            yield i

    async def double(i: int) -> int:
        await scrambled(i)
        return 2 * i

    async def main() -> list[int]:
        out = []
        async for r in map_bounded(double, source(), 4):
            out.append(r)
            if len(out) == 3:
                break
        return out

    assert asyncio.run(main()) == [0, 2, 4]
    assert len(pulled) <= 3 + 4


def test_map_bounded_error_cancels_the_window() -> None:
    cancelled: list[int] = []

    async def job(i: int) -> int:
        if i == 1:
            raise RuntimeError("boom")
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(i)
            raise
        return i

    async def main() -> None:
        with pytest.raises(RuntimeError, match="boom"):
            async for _ in map_bounded(job, range(100), 3):
                pass

    # Item 0 holds the head for a minute: the failure of item 1 must not wait
    # for it.
    asyncio.run(asyncio.wait_for(main(), 30))
    assert sorted(cancelled) == [0, 2]
