"""Pause Python's cyclic garbage collector while a large tree of small objects is built.

Building a plan of thousands of tasks (YAML nodes, values, pydantic models, workbook cells) creates
hundreds of thousands of objects and no garbage cycles; the collector's full passes over them took
about as long as the building itself. Reference counting still frees everything as usual.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from typing import Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic collection inside the block (left as it was if already disabled)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def without_gc(function: F) -> F:
    """`function` run inside `paused_gc()`."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with paused_gc():
            return function(*args, **kwargs)
    return wrapper  # type: ignore[return-value]
