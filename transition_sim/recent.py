"""The results of the last few calls, found by the identity of their input.

For inputs that are frozen but cannot be hashed (pydantic scenarios, dataclasses holding arrays):
a run asks for the same scenario's network, or the same results' figures, several times.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator


class Recent:
    def __init__(self, size: int = 4):
        self.size = size
        self.items: list[tuple[Any, Any]] = []

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.items)

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        """The value kept for `key` (the very object), else `make()`, kept."""
        for known, value in self.items:
            if known is key:
                return value
        return self.put(key, make())

    def put(self, key: Any, value: Any) -> Any:
        self.items[:] = [(key, value)] + self.items[:self.size - 1]
        return value
