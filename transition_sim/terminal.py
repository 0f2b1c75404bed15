"""What the CLI prints: tables that fit the terminal (rich), numbers in readers' units, or the summary as JSON."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import math
import shutil

import click

from transition_sim.lazy import lazy_import

# loaded when a table is printed, not when the CLI starts (a quick --help)
np, pd = lazy_import("numpy"), lazy_import("pandas")
box, rich_console, rich_table = (lazy_import(f"rich.{m}") for m in ("box", "console", "table"))

PERCENT_COLUMNS = ("criticality", "probability")  # shares in [0, 1] shown as %; so is every *_share column


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """Shares as %, *_gbp as £m, no NaN: the table a reader sees (files keep the raw numbers)."""
    out = table.copy()
    for column in table.columns:
        name = str(column)
        if name in PERCENT_COLUMNS or name.endswith("_share") or name.startswith("p_"):
            out[column] = (100 * table[column].astype(float)).round(1)
            out = out.rename(columns={column: f"{name} %"})
        elif name.endswith("_gbp"):
            out[column] = (table[column].astype(float) / 1e6).round(2)
            out = out.rename(columns={column: name.removesuffix("_gbp") + " £m"})
    return out


def cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "–"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, (float, np.floating)):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else f"{value:.3g}"
    return str(value)


def _longest_word(values, cap: int = 24) -> int:
    """The width that keeps names and ids whole: cells wrap between words, not inside them."""
    return min(max((len(word) for v in values for word in cell(v).split()), default=1), cap)


def render(title: str, table: pd.DataFrame) -> str:
    """`table` under `title`, as wide as the terminal allows (wrapping cells rather than cutting them)."""
    width = shutil.get_terminal_size((120, 24)).columns
    grid = rich_table.Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    show_index = not isinstance(table.index, pd.RangeIndex)
    columns = ([(table.index.name or "", list(table.index), False)] if show_index else [])
    columns += [(c, list(table[c]), pd.api.types.is_numeric_dtype(table[c])) for c in table.columns]
    widths = [_longest_word([header(name), *values]) for name, values, _ in columns]
    if sum(widths) + 3 * len(widths) > width:  # cannot keep every word whole: let rich wrap inside words
        widths = [None] * len(widths)
    for (name, _, numeric), least in zip(columns, widths):
        grid.add_column(header(name), overflow="fold", min_width=least, justify="right" if numeric else "left")
    for row in zip(*[values for _, values, _ in columns]):
        grid.add_row(*[cell(v) for v in row])
    buffer = io.StringIO()
    rich_console.Console(file=buffer, width=width, no_color=True, highlight=False).print(grid)
    return buffer.getvalue()


def header(name) -> str:
    """A column name as words, so a narrow terminal wraps it between them."""
    return str(name).replace("_", " ")


def _plain(value):
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return _clean(float(value))
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.DataFrame):
        return _clean(records(value))
    return str(value)


def _clean(data):
    """NaN as null, all the way down (JSON has no NaN)."""
    if isinstance(data, float) and math.isnan(data):
        return None
    if isinstance(data, dict):
        return {str(k): _clean(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_clean(v) for v in data]
    return data


def records(table: pd.DataFrame) -> list[dict]:
    """A table as a list of rows, its index as a column."""
    frame = table if isinstance(table.index, pd.RangeIndex) else table.reset_index()
    return frame.to_dict("records")


def as_json(data) -> str:
    return json.dumps(_clean(data), indent=2, default=_plain)


def summary_output(command):
    """--json and --quiet for a command that returns (text for people, data for programs)."""
    @click.option("--json", "as_json_output", is_flag=True, help="Print the summary as JSON on stdout, nothing else.")
    @click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors and warnings; no progress bars.")
    @functools.wraps(command)
    def wrapper(*args, as_json_output, quiet, **kwargs):
        text, data = command(*args, quiet=quiet or as_json_output, **kwargs)
        if as_json_output:
            click.echo(as_json(data))
        elif not quiet:
            click.echo(text)
    return wrapper
