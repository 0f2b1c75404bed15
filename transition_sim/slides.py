"""A run's charts as PNG images for slides (Plotly's static export through kaleido and Chromium)."""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

import plotly.io as pio

from transition_sim.importers.plan import unique_ids
from transition_sim.report import Chart
from transition_sim.runstore import check_free

CHROMIUM = Path("/usr/bin/chromium")  # Debian's, as installed by .ci/run; kaleido finds others itself
WIDTH, SCALE = 1200, 2


def write_pngs(sections: list[tuple[str, list[Chart]]], folder: Path, force: bool = False) -> list[Path]:
    """`NN-<chart title>.png` per chart in `folder`; existing images are replaced only with force."""
    charts = [chart for _, group in sections for chart in group]
    titles = unique_ids([(str(i), html.unescape(chart.figure["layout"].get("title", {}).get("text") or "chart"))  # titles are escaped
                         for i, chart in enumerate(charts)], "chart")
    names = [f"{i + 1:02d}-{titles[str(i)]}.png" for i in range(len(charts))]
    for name in names:
        check_free(folder / name, force)
    if "BROWSER_PATH" not in os.environ and CHROMIUM.exists():
        os.environ["BROWSER_PATH"] = str(CHROMIUM)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".png.partial-{os.getpid()}"
    partial.mkdir(exist_ok=True)
    try:
        pio.write_images([c.figure for c in charts], [partial / n for n in names], format="png", width=WIDTH,
                         height=[c.figure["layout"].get("height") or 500 for c in charts], scale=SCALE)
        for name in names:
            (partial / name).replace(folder / name)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return [folder / n for n in names]
