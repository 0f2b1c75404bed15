"""The board pack: a run's figures as a formatted workbook (headline, go-live, drivers, money, staff)."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from transition_sim import analysis, organisations
from transition_sim.costs import CONTRACT
from transition_sim.gcpause import without_gc
from transition_sim.lazy import lazy_import
from transition_sim.results import Results
from transition_sim.workforce import staff_groups

# imported where the pack is built: by a forked copy of a run, beside the run's own work
xlsxwriter, status = lazy_import("xlsxwriter"), lazy_import("transition_sim.status")

DATE = "dd mmm yyyy"
MONEY = '"£"#,##0.00"m"'
SHARE = "0.0%"
FORMATS = {"date": DATE, "£m": MONEY, "%": SHARE, "days": "#,##0", "people": "#,##0", "months": "0.0",
           "number": "#,##0.0", "count": "#,##0", "correlation": "0.00", "text": "@"}
HEADER_FILL = "#DDE4EE"
UNFORMATTED_DATE = "yyyy-mm-dd"  # a date in a column without a unit (openpyxl's default, which this pack used)


def _cell_value(value, unit: str):
    """A value as the workbook holds it: dates as dates, money in £m, shares as fractions shown as %."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if unit == "£m":
        return round(float(value) / 1e6, 4)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


class Book:
    """An .xlsx workbook being written (xlsxwriter: several times faster to import and write than openpyxl)."""

    def __init__(self):
        self.out = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.out, {"in_memory": True, "strings_to_urls": False, "nan_inf_to_errors": True})
        self.header = self.book.add_format({"bold": True, "pattern": 1, "bg_color": HEADER_FILL, "text_wrap": True,
                                            "valign": "top"})
        self.formats: dict[str, object] = {}

    def number_format(self, code: str):
        if code not in self.formats:
            self.formats[code] = self.book.add_format({"num_format": code})
        return self.formats[code]

    def saved(self) -> bytes:
        self.book.close()
        return self.out.getvalue()


def _sheet(book: Book, title: str, columns: list[tuple[str, str]], rows: list[list], note: str = "") -> None:
    """A sheet with a header row, typed and formatted columns, readable widths and a frozen header.

    `columns` is (heading, unit) per column; a row's unit may be given per cell as (value, unit).
    """
    sheet = book.book.add_worksheet(title)
    for i, (heading, _) in enumerate(columns):
        sheet.write_string(0, i, heading, book.header)
    widths = [len(heading) for heading, _ in columns]
    for number, row in enumerate(rows, start=1):
        for i, item in enumerate(row):
            value, unit = item if isinstance(item, tuple) else (item, columns[i][1])
            value = _cell_value(value, unit)
            code = FORMATS[unit] if unit in FORMATS and unit != "text" else None
            style = book.number_format(code) if code else None
            if value is None or value == "":
                sheet.write_blank(number, i, None, style)  # kept only with a format, as a formatted empty cell
            elif isinstance(value, str):
                sheet.write_string(number, i, value, style)  # never a formula, whatever it starts with
            elif isinstance(value, bool):
                sheet.write_boolean(number, i, value, style)
            elif isinstance(value, dt.date):
                sheet.write_datetime(number, i, value, style or book.number_format(UNFORMATTED_DATE))
            else:
                sheet.write_number(number, i, value, style)
            shown = value.strftime("%d %b %Y") if isinstance(value, dt.date) else (
                f"£{value:,.2f}m" if unit == "£m" and value is not None else str(value if value is not None else ""))
            widths[i] = max(widths[i], len(shown))
    if note:
        sheet.write_string(len(rows) + 2, 0, note)
    for i, width in enumerate(widths):
        sheet.set_column(i, i, min(max(width + 2, 10), 70))
    sheet.freeze_panes(1, 0)


UNITS = {"date": "date", "£": "£m", "share": "%", "days": "days", "months": "months", "people": "people"}


def headline(book: Book, results: Results) -> None:
    s = results.scenario
    rows = [["scenario", (s.name, "text"), None, None, ""],
            ["replications / seed", (f"{results.runs:,} / {results.seed}", "text"), None, None, ""],
            ["planned go-live", (s.planned_go_live.value, "date"), None, None, "date"],
            ["vesting day", (s.vesting_day.value, "date"), None, None, "date"]]
    if s.status_date is not None:
        rows.append(["status", (status.statement(s), "text"), None, None, ""])
    for _, row in analysis.figures(results).iterrows():
        unit = UNITS.get(row["unit"], row["unit"])
        rows.append([row["figure"], (row["value"], unit), (row["ci_low"], unit), (row["ci_high"], unit), unit])
    _sheet(book, "Headline", [("figure", "text"), ("value", ""), ("95% interval, low", ""),
                              ("95% interval, high", ""), ("unit", "text")], rows,
           "Percentiles are observed replications; intervals are distribution-free (order statistics) or, for "
           "shares and means, ±1.96 standard errors of the Monte Carlo sample.")


def go_live_distribution(book: Book, results: Results) -> None:
    counts = results.replications["go_live_date"].value_counts().sort_index()
    cumulative = counts.cumsum() / results.runs
    rows = [[date, int(n), n / results.runs, cumulative[date]] for date, n in counts.items()]
    _sheet(book, "Go-live distribution", [("go-live date", "date"), ("replications", "count"), ("share", "%"),
                                          ("cumulative share", "%")], rows)


def drivers(book: Book, results: Results) -> None:
    table = analysis.task_drivers(results)
    rows = [[r.task_id, r.name, r.workstream, r.programme, r.criticality, r.spearman_with_go_live]
            for r in table.itertuples()]
    _sheet(book, "Drivers", [("task", "text"), ("name", "text"), ("workstream", "text"), ("programme", "text"),
                             ("on the critical chain", "%"), ("Spearman correlation with go-live", "correlation")],
           rows, "Criticality: the share of replications in which the task is on the chain that sets readiness. "
                 "Each risk's effect needs re-runs: see `transition-sim drivers RUN`.")


def money(book: Book, results: Results) -> None:
    columns = [("money", "text"), ("financial year", "text")]
    if results.ledger is None:
        _sheet(book, "Money by year and payer", columns, [], "This scenario has no finance section.")
        return
    blocks = [("all money", analysis.money_by_year_and_payer(results)),
              ("contract sum", analysis.money_by_year_and_payer(results, CONTRACT))]
    payers = list(blocks[0][1].columns)
    rows = [[what, year, *list(values), float(values.sum())] for what, table in blocks
            for year, values in table.iterrows()]
    names = [organisations.display_name(results.scenario, p) for p in payers]
    _sheet(book, "Money by year and payer", columns + [(name, "£m") for name in names] + [("total", "£m")], rows,
           "Mean over replications, £m in the prices of each year.")


def staff(book: Book, results: Results) -> None:
    groups = staff_groups(results.scenario)
    columns = [("service", "text"), ("staff group", "text"), ("in scope", "text"), ("headcount", "people"),
               ("FTE", "number"), ("agency share", "%"), ("permanent", "people"), ("agency", "people"),
               ("transfer under TUPE", "people"), ("cost 2020/21", "£m")]
    rows = [[g.service_id, g.group_id, "yes" if g.in_scope else "no", g.headcount, g.fte, g.agency_share,
             g.permanent_headcount, g.agency_headcount, g.transfers_under_tupe, g.cost_gbp] for g in groups.itertuples()]
    if rows:
        rows.append(["total", "", "", int(groups["headcount"].sum()), float(groups["fte"].sum()), None,
                     int(groups["permanent_headcount"].sum()), int(groups["agency_headcount"].sum()),
                     int(groups["transfers_under_tupe"].sum()), float(groups["cost_gbp"].sum())])
    _sheet(book, "Staff", columns, rows, "" if rows else "This scenario has no services or staff groups.")


@without_gc
def workbook(results: Results) -> bytes:
    """The board pack of a run as .xlsx bytes."""
    book = Book()
    for add in (headline, go_live_distribution, drivers, money, staff):
        add(book, results)
    return book.saved()
