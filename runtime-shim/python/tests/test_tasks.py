import asyncio
import inspect
import logging

import pytest
from conftest import InFlight, is_closed, scrambled

from loopguard_shim import BoundedTaskGroup, TaskSupervisor


# ``create_task`` is synchronous, like ``TaskGroup.create_task``: the task waits for a slot.


def test_create_task_is_sync_and_spawn_when_free_is_a_coroutine() -> None:
    assert not inspect.iscoroutinefunction(BoundedTaskGroup.create_task)
    assert inspect.iscoroutinefunction(BoundedTaskGroup.spawn_when_free)


def test_create_task_never_exceeds_the_limit(in_flight: InFlight) -> None:
    results: list[int] = []

    async def job(i: int) -> int:
        with in_flight:
            await scrambled(i)
            results.append(i)
            return i

    async def main() -> list[asyncio.Task[int]]:
        async with BoundedTaskGroup(5) as tg:
            tasks = [tg.create_task(job(i)) for i in range(2000)]
            assert all(isinstance(task, asyncio.Task) for task in tasks)
            assert in_flight.now == 0, "nothing runs before the loop yields"
        return tasks

    tasks = asyncio.run(main())
    assert sorted(results) == list(range(2000))
    assert [task.result() for task in tasks] == list(range(2000))
    assert in_flight.max == 5


def test_create_task_without_await_still_runs_the_coroutine() -> None:
    ran: list[int] = []

    async def job(i: int) -> None:
        await asyncio.sleep(0)
        ran.append(i)

    async def main() -> None:
        async with BoundedTaskGroup(2) as tg:
            for i in range(10):
                tg.create_task(job(i))  # the task is the group's; nothing to await

    asyncio.run(main())
    assert sorted(ran) == list(range(10))


def test_create_task_returns_at_once_and_starts_the_coroutine_when_a_slot_frees() -> None:
    started: list[str] = []

    async def job(label: str, gate: asyncio.Event) -> str:
        started.append(label)
        await gate.wait()
        return label

    async def main() -> None:
        first_gate, second_gate = asyncio.Event(), asyncio.Event()
        async with BoundedTaskGroup(1) as tg:
            first = tg.create_task(job("first", first_gate), name="first")
            second = tg.create_task(job("second", second_gate), name="second")
            assert second.get_name() == "second"
            for _ in range(5):
                await asyncio.sleep(0)
            assert started == ["first"], "the only slot is taken"
            assert not second.done()
            first_gate.set()
            assert await first == "first"
            for _ in range(5):
                await asyncio.sleep(0)
            assert started == ["first", "second"]
            second_gate.set()
        assert second.result() == "second"

    asyncio.run(main())


def test_create_task_failure_cancels_siblings_and_closes_queued_coroutines() -> None:
    queued = [asyncio.sleep(60) for _ in range(3)]

    async def fail() -> None:
        await asyncio.sleep(0)
        raise ValueError("task failed")

    async def main() -> None:
        with pytest.raises(ExceptionGroup) as caught:
            async with BoundedTaskGroup(2) as tg:
                running = tg.create_task(asyncio.sleep(60))
                tg.create_task(fail())
                waiting = [tg.create_task(coro) for coro in queued]
        assert caught.group_contains(ValueError, match="task failed")
        assert running.cancelled()
        assert all(task.cancelled() for task in waiting)

    asyncio.run(main())
    assert all(is_closed(coro) for coro in queued)


def test_create_task_exception_is_seen_by_awaiting_the_task() -> None:
    async def fail() -> None:
        raise LookupError("lost")

    async def main() -> None:
        with pytest.raises(ExceptionGroup) as caught:
            async with BoundedTaskGroup(1) as tg:
                task = tg.create_task(fail())
                with pytest.raises(LookupError):
                    await task
        assert caught.group_contains(LookupError, match="lost")

    asyncio.run(main())


def test_create_task_cancelled_before_it_ran_closes_the_coroutine_and_frees_the_slot() -> None:
    never_started = asyncio.sleep(60)
    queued = asyncio.sleep(60)

    async def main() -> None:
        async with BoundedTaskGroup(1) as tg:
            tg.create_task(never_started).cancel()  # cancelled before its first step
            holder = tg.create_task(asyncio.sleep(60))
            waiting = tg.create_task(queued)
            await asyncio.sleep(0)
            waiting.cancel()  # cancelled while waiting for the slot
            await asyncio.sleep(0)
            holder.cancel()
            await asyncio.wait_for(tg.create_task(asyncio.sleep(0)), 5)
            assert tg._slots._value == 1  # noqa: SLF001 - every slot is back

    asyncio.run(main())
    assert is_closed(never_started)
    assert is_closed(queued)


def test_cancelling_the_block_cancels_running_and_queued_tasks() -> None:
    queued = [asyncio.sleep(60) for _ in range(5)]

    async def main() -> None:
        async with BoundedTaskGroup(2) as tg:
            for coro in queued:
                tg.create_task(coro)
            await asyncio.sleep(60)

    async def outer() -> None:
        task = asyncio.create_task(main())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(outer())
    assert all(is_closed(coro) for coro in queued)


def test_create_task_outside_the_block_raises_and_closes_the_coroutine() -> None:
    async def main() -> None:
        tg = BoundedTaskGroup(1)
        coro = asyncio.sleep(0)
        with pytest.raises(RuntimeError):
            tg.create_task(coro)
        assert is_closed(coro)
        async with tg:
            pass
        late = asyncio.sleep(0)
        with pytest.raises(RuntimeError):
            tg.create_task(late)
        assert is_closed(late)

    asyncio.run(main())


def test_create_task_rejects_non_coroutines() -> None:
    async def main() -> None:
        async with BoundedTaskGroup(1) as tg:
            with pytest.raises(TypeError):
                tg.create_task(asyncio.sleep)  # type: ignore[arg-type]

    asyncio.run(main())


def test_create_task_and_spawn_when_free_share_the_bound(in_flight: InFlight) -> None:
    async def job(i: int) -> None:
        with in_flight:
            await scrambled(i)

    async def main() -> None:
        async with BoundedTaskGroup(3) as tg:
            for i in range(300):
                if i % 2:
                    tg.create_task(job(i))
                else:
                    await tg.spawn_when_free(job(i))

    asyncio.run(main())
    assert in_flight.max == 3


# ``spawn_when_free`` waits for a slot before it creates the task.


def test_spawn_when_free_never_exceeds_the_limit(in_flight: InFlight) -> None:
    results: list[int] = []

    async def job(i: int) -> None:
        with in_flight:
            await scrambled(i)
            results.append(i)

    async def main() -> None:
        async with BoundedTaskGroup(5) as tg:
            for i in range(2000):
                await tg.spawn_when_free(job(i))
                assert in_flight.now <= 5

    asyncio.run(main())
    assert sorted(results) == list(range(2000))
    assert in_flight.max == 5


def test_spawn_when_free_waits_for_a_slot() -> None:
    async def main() -> None:
        release = asyncio.Event()
        async with BoundedTaskGroup(1) as tg:
            await tg.spawn_when_free(release.wait())
            second = asyncio.ensure_future(tg.spawn_when_free(asyncio.sleep(0)))
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            assert not second.done(), "the only slot is taken"
            release.set()
            await second

    asyncio.run(main())


def test_spawn_when_free_failure_cancels_siblings_and_closes_a_waiting_coroutine() -> None:
    waiting = asyncio.sleep(60)

    async def fail() -> None:
        await asyncio.sleep(0)
        raise ValueError("task failed")

    async def main() -> None:
        with pytest.raises(ExceptionGroup) as caught:
            async with BoundedTaskGroup(2) as tg:
                await tg.spawn_when_free(asyncio.sleep(60))
                await tg.spawn_when_free(fail())
                await tg.spawn_when_free(waiting)
        assert caught.group_contains(ValueError, match="task failed")

    asyncio.run(main())
    assert is_closed(waiting)


def test_slot_is_freed_for_a_task_cancelled_before_it_ran() -> None:
    async def main() -> None:
        async with BoundedTaskGroup(1) as tg:
            task = await tg.spawn_when_free(asyncio.sleep(60))
            task.cancel()
            await asyncio.wait_for(tg.spawn_when_free(asyncio.sleep(0)), 5)

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
