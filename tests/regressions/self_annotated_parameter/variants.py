# issue.py is the file of the issue: a parameter annotated with its own name made the annotation
# resolve in the parameter's own scope, recursing until the stack overflowed (exit 134). Here,
# such parameters in coroutines whose other findings must still be reported.
import asyncio
import time
import typing as t

import requests
from twisted.python import failure


async def handler(type: type[int], dict: dict[str, str], failure: failure.Failure) -> type:
    type.mro()
    time.sleep(1)
    requests.get("https://example.com", timeout=5)
    return type


def load(type: type[t.Any] | None = None) -> type:
    return open("data.txt").read()


async def caller(load: load):
    load()
    asyncio.get_event_loop()
    await asyncio.sleep(0)


async def uses_the_module_level_load():
    load()
