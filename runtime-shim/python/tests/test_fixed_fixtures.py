"""loopguard's Python fixes call into this package: the fixed fixtures must run against it.

The fixed files are the snapshots ``tests/fixes.rs`` keeps of every Python fixture after
``loopguard check --fix --unsafe-fixes`` (that test fails when a snapshot no longer matches
what the engine writes). Here they are executed as modules against the installed
``loopguard_shim``, with fakes for the network, so a fix target that was renamed, moved or
given another signature fails CI.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import inspect
import random
import re
import sys
import time
import types
from pathlib import Path

import pytest
import tenacity
from conftest import InFlight, scrambled

import loopguard_shim

SNAPSHOTS = Path(__file__).resolve().parents[3] / "tests" / "snapshots"
FIXED_PREFIX = "fixes__fixed__python__"


def fixed_source(snapshot: Path) -> str:
    """The fixed file held by an insta snapshot: everything after its front matter."""
    text = snapshot.read_text(encoding="utf-8")
    _, front_matter_end, body = text.partition("\n---\n")
    assert front_matter_end, f"{snapshot.name} is not an insta snapshot"
    return body


def calling_the_shim() -> list[Path]:
    return sorted(
        snapshot
        for snapshot in SNAPSHOTS.glob(f"{FIXED_PREFIX}*.snap")
        if "loopguard_shim" in fixed_source(snapshot)
    )


def shim_calls(source: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "loopguard_shim"
    ]


# Libraries the fixtures import only to be flagged; stood in for when they are not installed.
def backoff_module() -> types.ModuleType:
    module = types.ModuleType("backoff")
    module.expo = object()
    module.on_exception = lambda *args, **kwargs: lambda function: function
    return module


def urllib3_module() -> types.ModuleType:
    module = types.ModuleType("urllib3")
    module.Retry = lambda **kwargs: kwargs
    return module


FIXED_SOURCES: dict[types.ModuleType, str] = {}

STAND_INS = {
    "backoff": lambda: {"backoff": backoff_module()},
    "urllib3": lambda: {"urllib3": urllib3_module()},
}


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch):
    """Executes a fixed fixture as a module (``LG101/fire.py`` → snapshot → module)."""

    def load_fixture(fixture: str) -> types.ModuleType:
        name = FIXED_PREFIX + fixture.replace("/", "__")
        snapshot = SNAPSHOTS / f"{name}.snap"
        for library, make in STAND_INS.items():
            if importlib.util.find_spec(library) is None:
                for module_name, module in make().items():
                    monkeypatch.setitem(sys.modules, module_name, module)
        source = fixed_source(snapshot)
        module = types.ModuleType(name)
        module.__file__ = str(snapshot)
        exec(compile(source, str(snapshot), "exec"), module.__dict__)
        FIXED_SOURCES[module] = source
        return module

    return load_fixture


def test_the_fixed_fixtures_that_call_the_shim_exist() -> None:
    # Fails loudly rather than passing on nothing when run outside a loopguard checkout.
    assert SNAPSHOTS.is_dir(), f"{SNAPSHOTS} not found: run from the loopguard repository"
    called = {
        call.func.attr for path in calling_the_shim() for call in shim_calls(fixed_source(path))
    }
    assert {"gather_bounded", "full_jitter"} <= called


@pytest.mark.parametrize("snapshot", calling_the_shim(), ids=lambda path: path.stem)
def test_every_shim_call_in_a_fixed_file_binds_to_the_real_signature(snapshot: Path) -> None:
    source = fixed_source(snapshot)
    for call in shim_calls(source):
        name = call.func.attr
        assert name in loopguard_shim.__all__, f"loopguard_shim.{name} does not exist"
        positional: list[object] = []
        for argument in call.args:
            # `*coros` stands for any number of positional arguments: try two.
            positional.extend(
                [object(), object()] if isinstance(argument, ast.Starred) else [object()]
            )
        keywords = {keyword.arg: object() for keyword in call.keywords if keyword.arg is not None}
        try:
            inspect.signature(getattr(loopguard_shim, name)).bind(*positional, **keywords)
        except TypeError as error:
            pytest.fail(f"line {call.lineno}: {ast.get_source_segment(source, call)}: {error}")


def bounded_limit(module: types.ModuleType) -> int:
    """The ``limit=N`` the LG101 fix wrote (the rule's configured default)."""
    limits = {int(limit) for limit in re.findall(r"limit=(\d+)", FIXED_SOURCES[module])}
    assert len(limits) == 1, limits
    return limits.pop()


class FakeClient:
    """An HTTP client whose requests yield to the loop, fail for chosen URLs, and are
    counted while in flight."""

    def __init__(self, in_flight: InFlight, failing: frozenset[int] = frozenset()) -> None:
        self.in_flight = in_flight
        self.failing = failing

    async def get(self, url: int) -> int:
        with self.in_flight:
            await scrambled(url)
            await asyncio.sleep(0)
            if url in self.failing:
                raise ConnectionError(url)
            return url * 10


URLS = list(range(60))


@pytest.mark.parametrize(
    "function", ["comprehension", "named_collection", "appended_in_loop", "crawler"]
)
def test_fixed_unbounded_gather_runs_bounded(load, in_flight: InFlight, function: str) -> None:
    # The fan-outs over a function's parameter (fixed with `include-opaque-collections`).
    module = load("LG101/parameters/fire.py")
    limit = bounded_limit(module)
    client = FakeClient(in_flight)
    if function == "crawler":
        crawler = module.Crawler()
        crawler.client = client
        results = asyncio.run(crawler.crawl(URLS))
    else:
        results = asyncio.run(getattr(module, function)(client, URLS))
    assert results == [url * 10 for url in URLS]
    assert 1 < in_flight.max <= limit


def test_fixed_gather_keeps_return_exceptions(load, in_flight: InFlight) -> None:
    module = load("LG101/parameters/fire.py")
    client = FakeClient(in_flight, failing=frozenset({7, 31}))
    results = asyncio.run(module.generator_and_alias(client, URLS))
    assert [type(result) for result in results if isinstance(result, Exception)] == [
        ConnectionError,
        ConnectionError,
    ]
    assert results[8] == 80
    assert 1 < in_flight.max <= bounded_limit(module)


def test_fixed_opaque_collection_runs_bounded(load, in_flight: InFlight) -> None:
    module = load("LG101/opaque/options.py")
    client = FakeClient(in_flight)
    asyncio.run(module.opaque_collection([client.get(url) for url in URLS]))
    assert in_flight.max <= bounded_limit(module)


class FlakyClient:
    """Fails ``failures`` times with ``error``, then answers."""

    def __init__(self, failures: int, error: type[Exception]) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def answer(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


def assert_jittered(sleeps: list[float], delays: list[float]) -> None:
    """Each sleep is drawn from ``[0, delay]`` instead of being ``delay`` itself."""
    assert len(sleeps) == len(delays)
    assert all(0 <= slept <= delay for slept, delay in zip(sleeps, delays, strict=True))
    assert sleeps != delays


def test_fixed_sync_retry_loop_sleeps_with_full_jitter(
    load, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load("LG501/fire.py")
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    random.seed(501)
    client = FlakyClient(3, OSError)
    client.fetch = client.answer
    assert module.exponential_after_try(client) == "ok"
    assert_jittered(sleeps, [1, 2, 4])


@pytest.mark.parametrize(
    ("function", "arguments", "error", "delays"),
    [
        ("retry_in_handler", (), ConnectionError, [2, 2, 2]),
        ("computed_delay", (1,), TimeoutError, [2, 4]),
    ],
)
def test_fixed_async_retry_loop_sleeps_with_full_jitter(
    load, monkeypatch: pytest.MonkeyPatch, function, arguments, error, delays
) -> None:
    module = load("LG501/fire.py")
    sleeps: list[float] = []

    async def recorded_sleep(delay: float) -> None:
        sleeps.append(delay)

    monkeypatch.setattr(asyncio, "sleep", recorded_sleep)
    random.seed(501)
    client = FlakyClient(len(delays), error)

    async def fetch() -> str:
        return client.answer()

    client.fetch = fetch
    assert asyncio.run(getattr(module, function)(client, *arguments)) == "ok"
    assert_jittered(sleeps, delays)


def test_fixed_tenacity_wait_is_randomized(load) -> None:
    module = load("LG501/fire.py")
    assert isinstance(module.tenacity_decorated.retry.wait, tenacity.wait_random_exponential)
    assert module.tenacity_decorated() is None
