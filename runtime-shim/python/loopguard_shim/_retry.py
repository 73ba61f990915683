"""Jittered, attempt-limited, budgeted retries on top of tenacity.

tenacity is an optional extra (``loopguard-shim[retry]``): it is imported when
:func:`retry` is first called, so ``full_jitter`` and ``RetryBudget`` (and the
rest of the package) work without it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import math
import random
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import tenacity
    from tenacity.stop import stop_base

__all__ = ["RetryBudget", "full_jitter", "retry"]

F = TypeVar("F", bound=Callable[..., Any])

# Cancellation and interpreter exit must never be retried, whatever
# ``retry_on`` says: retrying a CancelledError turns ``task.cancel()`` into
# a no-op and keeps a shutting-down program alive.
_NEVER_RETRY: tuple[type[BaseException], ...] = (
    asyncio.CancelledError,
    concurrent.futures.CancelledError,
    KeyboardInterrupt,
    SystemExit,
    GeneratorExit,
)


def full_jitter(delay: float, cap: float | None = None) -> float:
    """Return a delay in seconds drawn uniformly from ``[0, min(cap, delay)]``.

    The AWS "full jitter" step on its own, for loops that compute their own
    delay: ``time.sleep(full_jitter(d))`` or ``await
    asyncio.sleep(full_jitter(d))`` instead of sleeping exactly ``d``, so
    that clients that failed together do not retry in lockstep.
    """
    bound = delay if cap is None else min(cap, delay)
    if not bound >= 0 or math.isinf(bound):
        raise ValueError(f"delay must be a finite number >= 0, got {bound!r}")
    return random.uniform(0.0, bound)


def jitter_above(minimum: float, spread: float | None = None) -> float:
    """Return a delay of at least ``minimum`` seconds, plus a share of ``spread``
    (default: ``minimum``) drawn uniformly.

    For a wait the other side mandates (a ``Retry-After`` header, a polling
    interval a server asks for): ``full_jitter`` would wait *less* than it
    asked, so the jitter goes on top, and clients told the same minimum still
    do not come back together.
    """
    extra = minimum if spread is None else spread
    if not minimum >= 0 or math.isinf(minimum):
        raise ValueError(f"minimum must be a finite number >= 0, got {minimum!r}")
    if not extra >= 0 or math.isinf(extra):
        raise ValueError(f"spread must be a finite number >= 0, got {extra!r}")
    return minimum + random.uniform(0.0, extra)


class RetryBudget:
    """Caps retries to a share of recent calls, plus a small floor.

    The Finagle/tower ``TpsBudget`` algorithm: every call deposits, every
    retry withdraws ``1 / ratio`` deposits, deposits expire after ``window``
    seconds (in ten slots), and a reserve of ``min_per_sec * window`` retries
    lets quiet clients retry at all. With the defaults (10 s, 10/s, 20%) an
    outage can add at most a fifth to the load once the floor is spent, no
    matter the attempt limit. Thread-safe; share one per downstream.
    """

    _SLOTS = 10

    def __init__(
        self,
        window: float = 10.0,
        min_per_sec: int = 10,
        ratio: float = 0.2,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1.0 <= window <= 60.0:
            raise ValueError(f"window must be between 1 and 60 seconds, got {window}")
        if not 0.0 <= ratio <= 1000.0:
            raise ValueError(f"ratio must be between 0 and 1000, got {ratio}")
        if min_per_sec < 0:
            raise ValueError(f"min_per_sec must be >= 0, got {min_per_sec}")
        # Integer amounts as in tower, so a ratio such as 0.2 is exact.
        if ratio == 0.0:
            self._deposit_amount, self._withdraw_amount = 0, 1
        elif ratio <= 1.0:
            self._deposit_amount, self._withdraw_amount = 1, int(1.0 / ratio)
        else:
            self._deposit_amount, self._withdraw_amount = 1000, int(1000.0 / ratio)
        self._reserve = min_per_sec * int(window) * self._withdraw_amount
        self._slot_length = window / self._SLOTS
        self._slots = [0] * self._SLOTS
        self._index = 0
        self._current = 0
        self._clock = clock
        self._slot_started = clock()
        self._lock = threading.Lock()

    def _expire(self) -> None:
        now = self._clock()
        elapsed = now - self._slot_started
        if elapsed < self._slot_length:
            return
        self._slots[self._index] = self._current
        self._current = 0
        index = (self._index + 1) % self._SLOTS
        # Clearing more than every slot changes nothing, so a long idle
        # period costs at most one pass.
        for _ in range(self._SLOTS):
            if elapsed <= self._slot_length:
                break
            self._slots[index] = 0
            elapsed -= self._slot_length
            index = (index + 1) % self._SLOTS
        self._index = index
        self._slot_started = now

    def deposit(self) -> None:
        """Record a call (first attempts only, not retries)."""
        with self._lock:
            self._expire()
            self._current += self._deposit_amount

    def withdraw(self) -> bool:
        """Take one retry from the budget; ``False`` means do not retry."""
        with self._lock:
            self._expire()
            balance = self._reserve + self._current + sum(self._slots)
            if balance < self._withdraw_amount:
                return False
            self._current -= self._withdraw_amount
            return True


#: Raised, from the original ``ImportError``, when :func:`retry` is used
#: without tenacity installed.
MISSING_TENACITY = (
    "loopguard_shim.retry needs tenacity, which is an optional extra: "
    "pip install 'loopguard-shim[retry]' (or pip install tenacity)"
)


def _import_tenacity() -> ModuleType:
    try:
        import tenacity
    except ImportError as exc:
        raise ImportError(MISSING_TENACITY, name="tenacity") from exc
    return tenacity


@functools.cache
def _budget_stop_class() -> type[stop_base]:
    """The tenacity stop condition that spends one retry from a budget.

    It is or-ed after the attempt limit, and tenacity short-circuits that
    ``or``, so the budget is only charged for retries that will happen.
    Defined on first use because its base class is tenacity's.
    """
    from tenacity.stop import stop_base

    class _BudgetEmpty(stop_base):
        def __init__(self, budget: RetryBudget) -> None:
            self._budget = budget

        def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
            return not self._budget.withdraw()

    return _BudgetEmpty


def retry(
    *,
    max_attempts: int,
    base: float = 0.1,
    cap: float = 10.0,
    max_elapsed: float | None = None,
    retry_on: type[BaseException] | tuple[type[BaseException], ...] = (Exception,),
    budget: RetryBudget | None = None,
) -> Callable[[F], F]:
    """Retry a sync or async function with full-jitter exponential backoff.

    ``max_attempts`` (counting the first call) is required: tenacity's
    default is to retry forever without waiting. The n-th retry sleeps
    ``uniform(0, min(cap, base * 2**(n-1)))`` seconds. ``max_elapsed``, if
    given, stops retrying once a retry would start that many seconds after
    the first call. Only exceptions matching ``retry_on`` are retried, and
    never ``CancelledError``, ``KeyboardInterrupt`` or ``SystemExit``. When
    retries stop, the last exception is raised as is.

    Every call draws its retries from ``budget``; by default each decorated
    function gets its own :class:`RetryBudget`. Pass one shared budget to
    every function that calls the same service::

        @retry(max_attempts=4, base=0.2, cap=5.0, retry_on=(ConnectionError,))
        async def fetch(url: str) -> bytes: ...

    The retry loop is tenacity's, an optional extra: without it installed
    (``pip install 'loopguard-shim[retry]'``), calling ``retry(...)``
    raises ``ImportError`` saying so.
    """
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int):
        raise TypeError("max_attempts must be an int")
    if max_attempts < 1:
        raise ValueError(f"max_attempts counts the first call and must be >= 1, got {max_attempts}")
    if base < 0 or cap < 0:
        raise ValueError("base and cap must be >= 0")
    tenacity = _import_tenacity()

    def decorate(fn: F) -> F:
        shared_budget = budget if budget is not None else RetryBudget()
        stop: stop_base = tenacity.stop_after_attempt(max_attempts)
        if max_elapsed is not None:
            stop = stop | tenacity.stop_before_delay(max_elapsed)
        stop = stop | _budget_stop_class()(shared_budget)

        def deposit(retry_state: tenacity.RetryCallState) -> None:
            if retry_state.attempt_number == 1:
                shared_budget.deposit()

        settings: dict[str, Any] = {
            "stop": stop,
            "wait": tenacity.wait_random_exponential(multiplier=base, max=cap),
            "retry": tenacity.retry_if_exception(
                lambda exc: isinstance(exc, retry_on) and not isinstance(exc, _NEVER_RETRY)
            ),
            "before": deposit,
            "reraise": True,
        }
        # tenacity copies the retrying object per call, so one decorated
        # function is safe to call from many threads and tasks at once.
        retrying_class = (
            tenacity.AsyncRetrying if inspect.iscoroutinefunction(fn) else tenacity.Retrying
        )
        return functools.wraps(fn)(retrying_class(**settings).wraps(fn))  # type: ignore[return-value]

    return decorate
