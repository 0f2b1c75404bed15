"""Progress bars for long steps: on stderr, and only when it is a terminal someone watches."""

from __future__ import annotations

import sys

from tqdm import tqdm

tqdm.monitor_interval = 0  # no monitor thread: copies of this process are forked while a bar is shown (`forked`)


def on(enabled: bool) -> bool:
    """Whether to show progress: asked for, and stderr a terminal (not a pipe or a log file)."""
    return enabled and sys.stderr.isatty()


def bar(total: int, desc: str, enabled: bool, unit: str = "step") -> tqdm:
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, disable=not on(enabled))
