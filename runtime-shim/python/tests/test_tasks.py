import asyncio
import logging

import pytest
from conftest import InFlight, is_closed, scrambled

from loopguard_shim import BoundedTaskGroup, TaskSupervisor


def test_bounded_task_group_never_exceeds_the_limit(in_flight: InFlight) -> None:
    results: list[int] = []

    async def job(i: int) -> None:
        with in_flight:
            await scrambled(i)
            results.append(i)

    async def main() -> None:
        async with BoundedTaskGroup(5) as tg:
            for i in range(2000):
                await tg.create_task(job(i))
                assert in_flight.now <= 5

    asyncio.run(main())
    assert sorted(results) == list(range(2000))
    assert in_flight.max == 5


def test_create_task_waits_for_a_slot() -> None:
    async def main() -> None:
        release = asyncio.Event()
        async with BoundedTaskGroup(1) as tg:
            await tg.create_task(release.wait())
            second = asyncio.ensure_future(tg.create_task(asyncio.sleep(0)))
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            assert not second.done(), "the only slot is taken"
            release.set()
            await second

    asyncio.run(main())


def test_failure_cancels_siblings_and_closes_a_waiting_coroutine() -> None:
    waiting = asyncio.sleep(60)

    async def fail() -> None:
        await asyncio.sleep(0)
        raise ValueError("task failed")

    async def main() -> None:
        with pytest.raises(ExceptionGroup) as caught:
            async with BoundedTaskGroup(2) as tg:
                await tg.create_task(asyncio.sleep(60))
                await tg.create_task(fail())
                await tg.create_task(waiting)
        assert caught.group_contains(ValueError, match="task failed")

    asyncio.run(main())
    assert is_closed(waiting)


def test_slot_is_freed_for_a_task_cancelled_before_it_ran() -> None:
    async def main() -> None:
        async with BoundedTaskGroup(1) as tg:
            task = await tg.create_task(asyncio.sleep(60))
            task.cancel()
            await asyncio.wait_for(tg.create_task(asyncio.sleep(0)), 5)

    asyncio.run(main())


def test_bounded_task_group_rejects_zero() -> None:
    with pytest.raises(ValueError):
        BoundedTaskGroup(0)


def test_supervisor_keeps_references_and_logs_failures(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        supervisor = TaskSupervisor()
        supervisor.create_task(asyncio.sleep(0), name="fine")
        failing = supervisor.create_task(_raise(), name="broken")
        assert len(supervisor) == 2
        await asyncio.wait([failing])
        await asyncio.sleep(0)
        assert len(supervisor) == 0
        await supervisor.aclose()

    with caplog.at_level(logging.ERROR, logger="loopguard_shim"):
        asyncio.run(main())
    assert "supervised task 'broken' failed" in caplog.text
    assert "LookupError: lost" in caplog.text


async def _raise() -> None:
    raise LookupError("lost")


def test_supervisor_cancels_and_awaits_on_aclose() -> None:
    cleaned: list[int] = []

    async def worker(i: int) -> None:
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(0)
            cleaned.append(i)

    async def main() -> None:
        async with TaskSupervisor() as supervisor:
            for i in range(10):
                supervisor.create_task(worker(i))
            await asyncio.sleep(0)
        assert len(supervisor) == 0
        coro = asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="closed"):
            supervisor.create_task(coro)
        assert is_closed(coro)

    asyncio.run(main())
    assert sorted(cleaned) == list(range(10))
