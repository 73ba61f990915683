import asyncio
import math
import subprocess
import sys

import pytest

import loopguard_shim
from loopguard_shim import RetryBudget, full_jitter, jitter_above, retry


def test_full_jitter_bounds() -> None:
    for delay in (0.0, 0.001, 1.0, 37.5):
        draws = [full_jitter(delay) for _ in range(2000)]
        assert all(0.0 <= d <= delay for d in draws)
    capped = [full_jitter(100.0, cap=2.0) for _ in range(2000)]
    assert all(0.0 <= d <= 2.0 for d in capped)
    assert len(set(capped)) > 1000, "the draws are spread out, not constant"
    assert isinstance(loopguard_shim.full_jitter(1), float)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_full_jitter_rejects_bad_delays(bad: float) -> None:
    with pytest.raises(ValueError):
        full_jitter(bad)


def test_jitter_above_never_waits_less_than_the_minimum() -> None:
    draws = [jitter_above(30.0) for _ in range(2000)]
    assert all(30.0 <= d <= 60.0 for d in draws)
    assert len(set(draws)) > 1000, "the draws are spread out, not constant"
    narrow = [jitter_above(30.0, spread=1.0) for _ in range(2000)]
    assert all(30.0 <= d <= 31.0 for d in narrow)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_jitter_above_rejects_bad_delays(bad: float) -> None:
    with pytest.raises(ValueError):
        jitter_above(bad)
    with pytest.raises(ValueError):
        jitter_above(1.0, spread=bad)


def test_retry_requires_max_attempts() -> None:
    with pytest.raises(TypeError):
        retry()  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        retry(max_attempts=0)


def test_sync_retry_sleeps_with_full_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr("time.sleep", sleeps.append)
    calls = 0

    @retry(max_attempts=5, base=1.0, cap=3.0)
    def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 5:
            raise ConnectionError("try again")
        return "ok"

    assert flaky() == "ok"
    assert calls == 5
    assert len(sleeps) == 4
    for n, slept in enumerate(sleeps):
        assert 0.0 <= slept <= min(3.0, 1.0 * 2**n)


def test_last_exception_is_raised_after_max_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)
    calls = 0

    @retry(max_attempts=3)
    def always_fails() -> None:
        nonlocal calls
        calls += 1
        raise TimeoutError(calls)

    with pytest.raises(TimeoutError) as caught:
        always_fails()
    assert caught.value.args == (3,)
    assert calls == 3


def test_only_matching_exceptions_are_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)
    calls = 0

    @retry(max_attempts=5, retry_on=ConnectionError)
    def bad_input() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("permanent")

    with pytest.raises(ValueError):
        bad_input()
    assert calls == 1


def test_async_retry() -> None:
    calls = 0

    @retry(max_attempts=4, base=0.001, cap=0.002)
    async def flaky() -> int:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConnectionError
        return calls

    assert asyncio.run(flaky()) == 3


def test_cancelled_error_is_never_retried() -> None:
    calls = 0

    @retry(max_attempts=5, base=0.001, retry_on=BaseException)
    async def cancelled() -> None:
        nonlocal calls
        calls += 1
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(cancelled())
    assert calls == 1


def test_cancelling_a_retrying_task_stops_it() -> None:
    calls = 0

    @retry(max_attempts=1000, base=0.001, cap=0.001)
    async def forever() -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(60)

    async def main() -> None:
        task = asyncio.ensure_future(forever())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert calls == 1


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_budget_ratio_and_floor() -> None:
    clock = FakeClock()
    budget = RetryBudget(window=10, min_per_sec=0, ratio=0.2, clock=clock)
    assert not budget.withdraw()
    for _ in range(10):
        budget.deposit()
    assert budget.withdraw() and budget.withdraw()
    assert not budget.withdraw()

    floor = RetryBudget(clock=clock)
    assert sum(floor.withdraw() for _ in range(1000)) == 100


def test_budget_deposits_expire_after_the_window() -> None:
    clock = FakeClock()
    budget = RetryBudget(window=10, min_per_sec=0, ratio=1.0, clock=clock)
    for _ in range(5):
        budget.deposit()
    clock.now = 11.0
    assert not budget.withdraw()
    budget.deposit()
    clock.now = 1_000_000.0
    assert not budget.withdraw(), "a long idle period clears everything"


def test_budget_stops_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)
    budget = RetryBudget(min_per_sec=0, ratio=0.2, clock=FakeClock())
    calls = 0

    @retry(max_attempts=10, budget=budget)
    def down() -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError

    for _ in range(5):
        with pytest.raises(ConnectionError):
            down()
    # Five calls earn a single retry between them.
    assert calls == 6


_WITHOUT_TENACITY = """
import sys
sys.modules["tenacity"] = None  # makes `import tenacity` raise ImportError
import loopguard_shim
from loopguard_shim import BoundedTaskGroup, RetryBudget, full_jitter, gather_bounded

assert 0 <= full_jitter(1.0) <= 1.0
assert RetryBudget().withdraw()
try:
    loopguard_shim.retry(max_attempts=3)
except ImportError as exc:
    print(exc)
else:
    raise AssertionError("retry() worked without tenacity")
"""


def test_the_package_imports_without_tenacity_and_retry_names_the_extra() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_TENACITY], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'loopguard-shim[retry]'" in done.stdout
