"""Tables for people: figures in their units (dates, £m, %), and writing them as CSV and .xlsx."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from transition_sim.analysis import FIGURES
from transition_sim.runstore import check_free


def present_value(value, unit: str):
    if isinstance(value, str) or value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if unit == "£":
        return round(float(value) / 1e6, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    if unit == "share":
        return round(100 * float(value), 1) + 0.0
    if unit in ("days", "date", "people"):
        return round(float(value))
    return round(float(value), 2) + 0.0


PRESENT_UNIT = {"£": "£m", "share": "%"}


def present(table: pd.DataFrame, unit_column: str = "unit") -> pd.DataFrame:
    """Each row's values in the units a reader expects; the unit column renamed to match."""
    out = table.copy().astype(object)
    for index, row in table.iterrows():
        unit = row[unit_column]
        for column in table.columns:
            if column != unit_column:
                out.at[index, column] = present_value(row[column], unit)
        out.at[index, unit_column] = PRESENT_UNIT.get(unit, unit)
    return out


def present_money_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Columns named *_gbp shown in £m."""
    out = table.copy()
    for column in [c for c in table.columns if str(c).endswith("_gbp")]:
        out[column.removesuffix("_gbp") + "_gbp_m"] = (table[column] / 1e6).round(2)
        out = out.drop(columns=column)
    return out


def present_figure_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Columns named by a headline-figure key (as in sweep rows) in readers' units, headed by the figure's label."""
    out = table.copy().astype(object)
    renames = {}
    for column in [c for c in table.columns if c in FIGURES]:
        label, unit = FIGURES[column]
        out[column] = [present_value(v, unit) for v in table[column]]
        shown = PRESENT_UNIT.get(unit, unit)
        renames[column] = label if unit in ("date", "people") else f"{label} {shown}"
    return out.rename(columns=renames)


def for_readers(table: pd.DataFrame) -> pd.DataFrame:
    """Any table of raw numbers from the api in readers' units: dates, £m, %."""
    if "unit" in table.columns:
        return present(table)
    return present_figure_columns(present_money_columns(table))


def write_tables(folder: Path, stem: str, tables: dict[str, pd.DataFrame], force: bool = False) -> list[Path]:
    """`stem-<table>.csv` for each table (`stem.csv` for a single one) and `stem.xlsx`, a sheet per table.

    The tables are raw numbers; the files show them in readers' units.
    """
    tables = {name: for_readers(table) for name, table in tables.items()}
    folder.mkdir(parents=True, exist_ok=True)
    names = [stem] if len(tables) == 1 else [f"{stem}-{name}" for name in tables]
    paths = [folder / f"{name}.csv" for name in names] + [folder / f"{stem}.xlsx"]
    for path in paths:
        check_free(path, force)
    for table, path in zip(tables.values(), paths):
        table.to_csv(path)
    with pd.ExcelWriter(paths[-1], engine="openpyxl") as book:
        for name, table in tables.items():
            table.to_excel(book, sheet_name=name[:31])
    return paths
