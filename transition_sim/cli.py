"""The `transition-sim` command: a thin skin over the Python API."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
import pandas as pd

from transition_sim import __version__, api, tables
from transition_sim import backtest as backtesting
from transition_sim import outside_view
from transition_sim.errors import ScenarioError
from transition_sim.scenario import bundled_what_ifs, models_dir

SCENARIO = click.argument("scenario", required=False, type=click.Path(dir_okay=False))
RUNS = click.option("--runs", type=click.IntRange(min=1), default=2000, show_default=True,
                    help="Replications (for scenario files; run folders keep their own).")
SEED = click.option("--seed", type=int, default=None, help="Master seed (default: the scenario's).")
WORKERS = click.option("--workers", type=click.IntRange(min=1), default=None,
                       help="Worker processes (default: all cores).")
OUT = click.option("--out", default="runs", show_default=True, type=click.Path(file_okay=False),
                   help="Folder that holds run folders.")
FORCE = click.option("--force", is_flag=True, help="Replace existing output of the same name.")


def simulation_options(command):
    """--runs, --seed and --workers."""
    return RUNS(SEED(WORKERS(command)))


def output_options(default: str):
    """--name, --out and --force for a command that writes a folder."""
    def apply(command):
        name = click.option("--name", default=None, help=f"Output folder name (default: {default}).")
        return name(OUT(FORCE(command)))
    return apply


SET = click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE",
                   help="Change one value of the scenario, typed by the schema (repeatable).")


def reports_bad_input(command):
    """Bad input becomes a message naming file, key path and line, and exit code 2; Ctrl-C exits 130."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ScenarioError as err:
            for problem in err.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing was written", err=True)
            sys.exit(130)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="transition-sim")
def main():
    """Simulate a reorganisation's children's services under any delivery model: when, why, and who pays."""


@main.command()
@SCENARIO
@simulation_options
@SET
@output_options("scenario name and time")
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
@reports_bad_input
def run(scenario, runs, seed, workers, overrides, name, out, force, no_report):
    """Run a scenario (default: the bundled Northamptonshire baseline) and write runs/<name>/.

    \b
    Example:
      transition-sim run
      transition-sim run models/northamptonshire-sept-2020.yaml --runs 5000 --name sept
      transition-sim run --set capacities.hr=3 --set planned_go_live=2020-11-01
    """
    result = api.run(scenario, runs=runs, seed=seed, workers=workers, overrides=overrides, name=name,
                     out=out, force=force, progress=sys.stderr.isatty(), with_report=not no_report)
    click.echo(format_summary(result))


def format_summary(result: api.Run) -> str:
    s = result.summary
    f = s["figures"]
    value = lambda key: f[key]["value"]  # noqa: E731
    pct = lambda key: f"{100 * value(key):.1f}% (95% CI {100 * f[key]['ci_low']:.1f}-{100 * f[key]['ci_high']:.1f}%)"  # noqa: E731
    percentiles = lambda stem: "  ".join(f"P{p} {value(f'{stem}_p{p}')}" for p in (10, 50, 80, 90))  # noqa: E731
    lines = [
        f"{s['scenario']}",
        f"  {s['replications']:,} replications, seed {s['seed']}, {result.workers} workers, "
        f"{result.seconds:.1f} s ({s['replications'] / result.seconds:,.0f} replications/s)",
        f"  planned go-live {s['planned_go_live']}, vesting day {s['vesting_day']}",
        "",
        "Go-live     " + percentiles("go_live"),
        "Readiness   " + percentiles("readiness"),
        f"P(go-live on the planned date)   {pct('p_on_time')}",
        f"P(go-live before vesting day)    {pct('p_live_before_vesting')}",
        f"Mean slip                        {value('expected_slip_days'):.0f} days",
        "",
        "Most often on the critical path (share of replications)",
    ]
    if "outside_view" in s:  # after the go-live figures
        at = lines.index("Most often on the critical path (share of replications)") - 1
        lines[at:at] = outside_view.lines(s["outside_view"])
    lines += [f"  {row['criticality']:6.1%}  {row['workstream']}" for row in s["critical_workstreams"][:6]]
    lines += ["  tasks:"]
    lines += [f"  {row['criticality']:6.1%}  {row['task_id']}  ({row['name']})" for row in s["critical_tasks"][:6]]
    if "money_by_payer_gbp" in s:
        lines += format_costs(f, s["money_by_payer_gbp"])
    if result.folder is not None:
        lines += ["", f"Run written to {result.folder}/"]
        if (result.folder / "report.html").exists():
            lines += [f"Report: {result.folder / 'report.html'}"]
    return "\n".join(lines)


def format_costs(f: dict, money: dict) -> list[str]:
    m = lambda pounds: f"£{pounds / 1e6:,.1f}m"  # noqa: E731
    value = lambda key: f[key]["value"]  # noqa: E731
    lines = ["", f"Staff transferred under TUPE      {value('staff_transferred'):,.0f}",
             f"Transition cost                  P50 {m(value('transition_cost_p50'))}  "
             f"P80 {m(value('transition_cost_p80'))}",
             f"  of which dual running (mean)   {m(value('dual_running_cost_mean'))}",
             f"Agency share at the horizon      {value('agency_share_at_horizon_mean'):.1%} (mean)"]
    payers = list(money["payers"])
    width = max([9] + [len(p) + 2 for p in payers])
    for title, key in (("Contract sum", "contract_sum_by_year"), ("All money", "all_money_by_year")):
        years = money[key]
        if not any(v for row in years.values() for v in row.values()):
            continue  # no contract under this delivery model
        lines += ["", f"{title} by financial year and payer (mean, £m)",
                  "  year     " + "".join(f"{p:>{width}}" for p in payers) + "    total"]
        for year, row in years.items():
            lines.append(f"  {year}  " + "".join(f"{row[p] / 1e6:{width}.1f}" for p in payers)
                         + f"{sum(row.values()) / 1e6:9.1f}")
    lines.append("  payers: " + "; ".join(f"{p} = {name}" for p, name in money["payers"].items()))
    lines.append("All money to the horizon by payer (mean): "
                 + ", ".join(f"{p} {m(v)}" for p, v in money["all_money"].items()))
    successors = [key for key in f if key.startswith("yearly_cost_") and key.endswith("_p50")]
    if successors:
        lines.append("Yearly cost to each successor council after vesting (P10 / P50 / P90, £m)")
        for key in successors:
            stem = key.removesuffix("_p50")
            lines.append(f"  {f[key]['label'].removesuffix(': yearly cost P50'):40} "
                         + " / ".join(f"{f[f'{stem}_p{p}']['value'] / 1e6:,.1f}" for p in (10, 50, 90)))
    return lines


@main.command()
@SCENARIO
@click.option("--strict", is_flag=True, help="Also fail on any number with neither a source: nor an assumption:.")
@SET
@reports_bad_input
def validate(scenario, strict, overrides):
    """Check a scenario and list every problem with its file, key path and line.

    \b
    Example:
      transition-sim validate models/northamptonshire.yaml --strict
    """
    counts = api.validate(scenario, strict=strict, overrides=overrides)
    click.echo("ok: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


def show(title: str, table: pd.DataFrame) -> str:
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_colwidth", 60):
        return f"{title}\n{table.to_string()}\n"


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@simulation_options
@output_options("compare and time")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Also write an interactive comparison page to this HTML file.")
@reports_bad_input
def compare(sources, runs, seed, workers, name, out, force, report_path):
    """Compare run folders or scenarios side by side; a scenario file is run first.

    Scenarios run with the same seed share random numbers task by task and risk by risk, so a
    difference comes from the change, not from noise.

    \b
    Example:
      transition-sim compare models/northamptonshire.yaml models/what-if/cwd-in-scope.yaml \\
          models/what-if/no-pandemic.yaml
      transition-sim compare runs/base runs/sept --report comparison.html
      transition-sim compare models/surrey.yaml what-if/surrey-trust.yaml what-if/surrey-lead-authority.yaml \\
          --report surrey-options.html
    """
    folder = Path(out) / (name or api.timestamped("compare"))
    found = api.compare(*sources, runs=runs, seed=seed, workers=workers, folder=folder, report_path=report_path,
                        force=force)
    click.echo(show("Comparison (Δ: difference from the first column; in days for dates)",
                    tables.for_readers(found.table)))
    click.echo(show("Options: delivery model, go-live, transition cost and each new council's yearly cost (£m)",
                    tables.for_readers(found.options)))
    click.echo("Written: " + ", ".join(str(p) for p in found.paths))


@main.command()
@SCENARIO
@click.option("--vary", multiple=True, required=True, metavar="KEY.PATH=V1,V2,...",
              help="A parameter and its values (repeatable: the grid is every combination).")
@simulation_options
@output_options("sweep and time")
@reports_bad_input
def sweep(scenario, vary, runs, seed, workers, name, out, force):
    """Run the grid of what-ifs, one run per combination, and tabulate the headline figures.

    \b
    Example:
      transition-sim sweep --vary capacities.hr=1,2,3 --vary planned_go_live=2020-07-01,2020-11-01
    """
    folder = Path(out) / (name or api.timestamped("sweep"))
    table = api.sweep(scenario, vary, runs=runs, seed=seed, workers=workers, progress=sys.stderr.isatty(),
                      folder=folder, force=force)
    click.echo(show(f"Sweep: {len(table)} points", tables.for_readers(table)))
    click.echo(f"Written: {folder / 'sweep.csv'}, {folder / 'sweep.xlsx'}")


def on_a_run_folder(command):
    """RUN_FOLDER, --workers and --force, with bad input reported."""
    argument = click.argument("run_folder", type=click.Path(file_okay=False))
    return argument(WORKERS(FORCE(reports_bad_input(command))))


@main.command()
@on_a_run_folder
def drivers(run_folder, workers, force):
    """What drives slippage in a run: critical tasks, risks, and cost-schedule joint confidence.

    Each risk's effect is measured by re-running the scenario without it, with the run's seed and
    replications.

    \b
    Example:
      transition-sim drivers runs/northamptonshire-20201101-120000
    """
    found = api.drivers(run_folder, workers=workers, force=force)
    paths = [Path(run_folder) / f"drivers-{key}.csv" for key in found] + [Path(run_folder) / "drivers.xlsx"]
    titles = {"figures": "Headline figures with 95% confidence intervals from the Monte Carlo sample",
              "tasks": "Tasks: criticality (share of replications on the critical chain) and Spearman "
                       "correlation of duration with go-live",
              "risks": "Risks: share of replications struck, share in which it changed a date (effective), and how "
                       "much earlier go-live is (days) without it",
              "joint_confidence": "Joint confidence: least transition cost (£m) for P(go-live <= date and "
                                  "cost <= C) at 70% and 80%"}
    for key, table in found.items():
        shown = tables.for_readers(table)
        click.echo(show(titles[key], shown.head(20) if key == "tasks" else shown))
    click.echo("Written: " + ", ".join(str(p) for p in paths))


@main.command()
@on_a_run_folder
def report(run_folder, workers, force):
    """Rebuild a run's interactive page, RUN/report.html, from its tables.

    \b
    Example:
      transition-sim report runs/northamptonshire-20201101-120000 --force
    """
    click.echo(f"Written: {api.rebuild_report(run_folder, force=force, workers=workers)}")


@main.command("list")
@reports_bad_input
def list_scenarios():
    """List the bundled scenarios and what-ifs with their descriptions.

    \b
    Example:
      transition-sim list
    """
    for path, description in bundled_what_ifs():
        click.echo(f"{str(path.relative_to(models_dir())):45} {description}")


@main.command()
@click.argument("scenario", type=click.Path())
@click.argument("outcomes", type=click.Path(dir_okay=False))
@simulation_options
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Folder to write into (default: runs/backtest-<scenario>-<time>).")
@FORCE
@reports_bad_input
def backtest(scenario, outcomes, runs, seed, workers, out, force):
    """Score a scenario or run folder against what happened: percentiles, P10-P90 coverage, CRPS.

    Writes backtest.csv, backtest.xlsx and backtest.html (PIT histogram, fan charts with the actuals).

    \b
    Example:
      transition-sim backtest models/northamptonshire.yaml models/outcomes/northamptonshire.yaml
      transition-sim backtest runs/sept models/outcomes/northamptonshire.yaml --out runs/sept-backtest
    """
    found = api.backtest(scenario, outcomes, runs=runs, seed=seed, workers=workers, out=out, force=force)
    click.echo(show("Backtest (money in £, dates as dates, CRPS in the measure's unit: £ or days)",
                    backtesting.presented(found.table)))
    click.echo(found.summary)
    click.echo(f"Written: {found.folder}/ ({', '.join(api.BACKTEST_FILES)})")
