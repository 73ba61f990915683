import asyncio
import sys
import time
import types

import pytest

import loopguard_shim
from loopguard_shim import LoopLagMonitor, run


async def answer() -> int:
    await asyncio.sleep(0)
    return 42


def test_run_without_uvloop() -> None:
    assert run(answer(), use_uvloop=False) == 42


def test_run_uses_uvloop_through_a_loop_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[asyncio.AbstractEventLoop] = []

    def new_event_loop() -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        made.append(loop)
        return loop

    fake = types.ModuleType("uvloop")
    fake.new_event_loop = new_event_loop  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "uvloop", fake)

    async def which_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    assert run(which_loop()) is made[0]
    assert run(which_loop(), use_uvloop=False) not in made


def test_run_requires_uvloop_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)
    with pytest.raises(ImportError):
        run(answer(), use_uvloop=True)
    assert run(answer()) == 42


def test_lag_monitor_reports_a_blocked_loop() -> None:
    lags: list[float] = []

    async def main() -> LoopLagMonitor:
        async with LoopLagMonitor(threshold=0.1, interval=0.01, on_lag=lags.append) as monitor:
            await asyncio.sleep(0.02)
            time.sleep(0.3)  # the anti-pattern itself
            await asyncio.sleep(0.05)
        return monitor

    monitor = asyncio.run(main())
    assert lags and max(lags) >= 0.25
    assert monitor.lag_count == len(lags)
    assert monitor.max_lag >= 0.25


def test_lag_monitor_is_quiet_on_a_healthy_loop() -> None:
    lags: list[float] = []

    async def main() -> None:
        async with LoopLagMonitor(threshold=10.0, interval=0.01, on_lag=lags.append):
            for _ in range(5):
                await asyncio.sleep(0.01)

    asyncio.run(main())
    assert lags == []


def test_public_names() -> None:
    for name in (
        "gather_bounded",
        "map_bounded",
        "full_jitter",
        "jitter_above",
        "BoundedTaskGroup",
        "TaskSupervisor",
        "ThreadSupervisor",
        "retry",
        "run",
        "LoopLagMonitor",
    ):
        assert hasattr(loopguard_shim, name)
