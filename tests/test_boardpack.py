"""The board pack every run writes, and the charts as PNG images for slides."""

import struct

import openpyxl
import pytest
from click.testing import CliRunner

from transition_sim import analysis, api, organisations
from transition_sim.cli import main
from transition_sim.workforce import staff_transferred

SHEETS = ["Headline", "Go-live distribution", "Drivers", "Money by year and payer", "Staff"]


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    return api.run(runs=30, workers=1, out=tmp_path_factory.mktemp("runs"), name="base", with_report=False)


def test_every_run_writes_a_formatted_board_pack(baseline_run):
    book = openpyxl.load_workbook(baseline_run.folder / "board-pack.xlsx")
    assert book.sheetnames == SHEETS
    for sheet in book:
        header = [c.value for c in sheet[1]]
        assert all(isinstance(h, str) and h and not h.startswith("Unnamed") for h in header), sheet.title
        assert sheet.freeze_panes == "A2"
        assert all(sheet.column_dimensions[c].width >= 10 for c in "AB")
    results = baseline_run.results
    headline = {row[0].value: row[1] for row in book["Headline"].iter_rows(min_row=2) if row[0].value}
    planned = headline["planned go-live"]
    assert planned.value.date() == results.scenario.planned_go_live.value and planned.number_format == "dd mmm yyyy"
    figures = analysis.figures(results)
    assert headline["transition cost P50"].value == pytest.approx(figures.at["transition_cost_p50", "value"] / 1e6,
                                                                  abs=1e-4)
    assert headline["transition cost P50"].number_format == '"£"#,##0.00"m"'
    assert headline["go-live P80"].value.date() == figures.at["go_live_p80", "value"].date()

    rows = list(book["Go-live distribution"].iter_rows(min_row=2, values_only=True))
    assert sum(r[1] for r in rows) == results.runs and rows[-1][3] == pytest.approx(1.0)

    money = analysis.money_by_year_and_payer(results)
    sheet = book["Money by year and payer"]
    header = [c.value for c in sheet[1]]
    first = next(sheet.iter_rows(min_row=2, values_only=True))
    assert first[:2] == ("all money", money.index[0])
    payer = money.columns[0]
    column = header.index(organisations.display_name(results.scenario, payer))
    assert first[column] == pytest.approx(money.iloc[0][payer] / 1e6, abs=1e-4)

    staff = list(book["Staff"].iter_rows(min_row=2, values_only=True))
    total = next(r for r in staff if r[0] == "total")
    assert total[8] == staff_transferred(results.scenario)


def test_charts_export_as_png_images(baseline_run, tmp_path):
    folder = tmp_path / "slides"
    result = CliRunner().invoke(main, ["report", str(baseline_run.folder), "--png", str(folder), "--workers", "1"])
    assert result.exit_code == 0, result.output
    images = sorted(folder.glob("*.png"))
    assert len(images) >= 12 and images[0].name.startswith("01-when_")
    for image in images:
        data = image.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
        width, height = struct.unpack(">II", data[16:24])
        assert width == 2400 and height > 400  # 1200 px at scale 2
        assert len(data) > 20_000  # drawn, not blank
    again = CliRunner().invoke(main, ["report", str(baseline_run.folder), "--png", str(folder)])
    assert again.exit_code == 2 and "--force" in again.output
