import asyncio
def f(type: type[int]):
    type.mro()
