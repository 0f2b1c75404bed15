"""Progress bars for long steps: on stderr, and only when it is a terminal someone watches."""

from __future__ import annotations

import sys
from typing import Callable

from tqdm import tqdm


def on(enabled: bool) -> bool:
    """Whether to show progress: asked for, and stderr a terminal (not a pipe or a log file)."""
    return enabled and sys.stderr.isatty()


def bar(total: int, desc: str, enabled: bool, unit: str = "step") -> tqdm:
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, disable=not on(enabled))


def counted(function: Callable, total: int, desc: str, enabled: bool) -> Callable:
    """`function`, advancing a progress bar of `total` steps at each call (closed at the last)."""
    progress = bar(total, desc, enabled)

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            progress.update(1)
            if progress.n >= total:
                progress.close()
    return call
