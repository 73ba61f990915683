"""Bounded, jittered and supervised replacements for the asyncio and
threading patterns that loopguard flags.

=====================================  =========================================
instead of                             use
=====================================  =========================================
``asyncio.gather(*many)``              ``await gather_bounded(*many, limit=N)``
``[await f(x) for x in xs]`` fan-out   ``async for r in map_bounded(f, xs, N)``
``asyncio.TaskGroup`` in a loop        ``BoundedTaskGroup(N)``
bare ``asyncio.create_task``           ``TaskSupervisor().create_task``
``threading.Thread(daemon=True)``      ``ThreadSupervisor().spawn``
``time.sleep(delay)`` between tries    ``time.sleep(full_jitter(delay))``
``time.sleep(retry_after)``            ``time.sleep(jitter_above(retry_after))``
tenacity / hand-written retry loops    ``@retry(max_attempts=N)``
``uvloop.install()`` + ``asyncio.run`` ``run(main())``
=====================================  =========================================

``LoopLagMonitor`` reports at run time the event-loop blocking that loopguard
finds statically.

Nothing here needs a third-party package except ``retry``, which needs
tenacity: ``pip install 'loopguard-shim[retry]'``.
"""

from ._fanout import gather_bounded, map_bounded
from ._loop import LoopLagMonitor, run
from ._retry import RetryBudget, full_jitter, jitter_above, retry
from ._tasks import BoundedTaskGroup, TaskSupervisor
from ._threads import ThreadReport, ThreadSupervisor

__all__ = [
    "BoundedTaskGroup",
    "LoopLagMonitor",
    "RetryBudget",
    "TaskSupervisor",
    "ThreadReport",
    "ThreadSupervisor",
    "full_jitter",
    "gather_bounded",
    "jitter_above",
    "map_bounded",
    "retry",
    "run",
]
