"""The `transition-sim` command: a thin skin over the Python API."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from transition_sim import __version__
from transition_sim.errors import ScenarioError
from transition_sim.lazy import lazy_import

# loaded when a command runs, not for --help
pd = lazy_import("pandas")
api, runstore, tables = (lazy_import(f"transition_sim.{m}") for m in ("api", "runstore", "tables"))
scenarios = lazy_import("transition_sim.scenario")

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


CLUSTER = click.option("--cluster", default=None, metavar="local|tcp://HOST:PORT",
                       help="Play the chunks on Dask: a LocalCluster of --workers processes, or a running scheduler.")
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
    """Simulate moving a council's children's services into a trust: when it goes live, and why."""


@main.command()
@SCENARIO
@simulation_options
@SET
@output_options("scenario name and time")
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
@CLUSTER
@reports_bad_input
def run(scenario, runs, seed, workers, overrides, name, out, force, no_report, cluster):
    """Run a scenario (default: the bundled Northamptonshire baseline) and write runs/<name>/.

    \b
    Example:
      transition-sim run
      transition-sim run models/northamptonshire-sept-2020.yaml --runs 5000 --name sept
      transition-sim run --set capacities.hr=3 --set planned_go_live=2020-11-01
      transition-sim run --runs 100000 --cluster tcp://10.0.0.5:8786
    """
    result = api.run(scenario, runs=runs, seed=seed, workers=workers, overrides=overrides, name=name,
                     out=out, force=force, progress=sys.stderr.isatty(), with_report=not no_report, cluster=cluster)
    click.echo(format_summary(result))


def format_summary(result: api.Run) -> str:
    s = result.summary
    pct = lambda share: f"{100 * share['share']:.1f}% (± {100 * share['standard_error']:.1f}%)"  # noqa: E731
    lines = [
        f"{s['scenario']}",
        f"  {s['replications']:,} replications, seed {s['seed']}, {result.workers} workers, "
        f"{result.seconds:.1f} s ({s['replications'] / result.seconds:,.0f} replications/s)",
        f"  planned go-live {s['planned_go_live']}, vesting day {s['vesting_day']}",
        "",
        "Go-live     " + "  ".join(f"{k} {v}" for k, v in s["go_live"].items()),
        "Readiness   " + "  ".join(f"{k} {v}" for k, v in s["readiness"].items()),
        f"P(go-live on the planned date)   {pct(s['p_on_time'])}",
        f"P(go-live before vesting day)    {pct(s['p_live_before_vesting'])}",
        f"Mean slip                        {s['mean_slip_days']:.0f} days",
        "",
        "Most often on the critical path (share of replications)",
    ]
    lines += [f"  {row['criticality']:6.1%}  {row['workstream']}" for row in s["critical_workstreams"][:6]]
    lines += ["  tasks:"]
    lines += [f"  {row['criticality']:6.1%}  {row['task_id']}  ({row['name']})" for row in s["critical_tasks"][:6]]
    if "costs" in s:
        lines += format_costs(s["costs"])
    if result.folder is not None:
        lines += ["", f"Run written to {result.folder}/"]
        if (result.folder / "report.html").exists():
            lines += [f"Report: {result.folder / 'report.html'}"]
    return "\n".join(lines)


def format_costs(c: dict) -> list[str]:
    m = lambda pounds: f"£{pounds / 1e6:,.1f}m"  # noqa: E731
    cost = c["transition_cost_gbp"]
    lines = ["", f"Staff transferred under TUPE      {c['staff_transferred']:,}",
             f"Transition cost                  P50 {m(cost['P50'])}  P80 {m(cost['P80'])}",
             f"  of which dual running (mean)   {m(c['dual_running_cost_gbp_mean'])}",
             f"Agency share at the horizon      {c['agency_share_at_horizon_mean']:.1%} (mean)",
             "", "Contract sum by financial year and payer (mean, £m)"]
    years = c["contract_sum_by_year_and_payer_gbp"]
    payers = list(next(iter(years.values())).keys()) if years else []
    lines.append("  year     " + "".join(f"{p:>9}" for p in payers) + "    total")
    for year, row in years.items():
        lines.append(f"  {year}  " + "".join(f"{v / 1e6:9.1f}" for v in row.values())
                     + f"{sum(row.values()) / 1e6:9.1f}")
    lines.append("All money to the horizon by payer (mean): "
                 + ", ".join(f"{p} {m(v)}" for p, v in c["all_money_by_payer_gbp"].items()))
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
    """
    folder = Path(out) / (name or api.timestamped("compare"))
    runstore.check_free(folder, force)
    if report_path is not None:
        runstore.check_free(Path(report_path), force)
    raw, named = api.compare(*sources, runs=runs, seed=seed, workers=workers, with_results=True)
    table = tables.present(raw)
    paths = tables.write_tables(folder, "compare", {"compare": table}, force=True)
    if report_path is not None:
        paths.append(api.write_comparison_report(named, report_path, force=force))
    click.echo(show("Comparison (Δ: difference from the first column; in days for dates)", table))
    click.echo("Written: " + ", ".join(str(p) for p in paths))


@main.command()
@SCENARIO
@click.option("--vary", multiple=True, required=True, metavar="KEY.PATH=V1,V2,...",
              help="A parameter and its values (repeatable: the grid is every combination).")
@simulation_options
@output_options("sweep and time")
@CLUSTER
@reports_bad_input
def sweep(scenario, vary, runs, seed, workers, name, out, force, cluster):
    """Run the grid of what-ifs, one run per combination, and tabulate the headline figures.

    \b
    Example:
      transition-sim sweep --vary capacities.hr=1,2,3 --vary planned_go_live=2020-07-01,2020-11-01
      transition-sim sweep --vary capacities.hr=1,2,3,4,5 --runs 20000 --cluster local
    """
    folder = Path(out) / (name or api.timestamped("sweep"))
    runstore.check_free(folder, force)
    table = api.sweep(scenario, vary, runs=runs, seed=seed, workers=workers, progress=sys.stderr.isatty(),
                      cluster=cluster)
    table.index = pd.RangeIndex(1, len(table) + 1, name="point")
    paths = tables.write_tables(folder, "sweep", {"sweep": table}, force=True)
    click.echo(show(f"Sweep: {len(table)} points", table))
    click.echo("Written: " + ", ".join(str(p) for p in paths))


def on_a_run_folder(command):
    """RUN_FOLDER, --workers and --force, with bad input reported."""
    argument = click.argument("run_folder", type=click.Path(file_okay=False))
    return argument(WORKERS(FORCE(reports_bad_input(command))))


@main.command()
@on_a_run_folder
@CLUSTER
def drivers(run_folder, workers, force, cluster):
    """What drives slippage in a run: critical tasks, risks, and cost-schedule joint confidence.

    Each risk's effect is measured by re-running the scenario without it, with the run's seed and
    replications.

    \b
    Example:
      transition-sim drivers runs/northamptonshire-20201101-120000
      transition-sim drivers runs/northamptonshire-20201101-120000 --cluster local --workers 2
    """
    runstore.check_free(Path(run_folder) / "drivers.xlsx", force)
    found = api.drivers(run_folder, workers=workers, cluster=cluster)
    paths = tables.write_tables(Path(run_folder), "drivers", found, force=force)
    titles = {"figures": "Headline figures with 95% confidence intervals from the Monte Carlo sample",
              "tasks": "Tasks: criticality (share of replications on the critical chain) and Spearman "
                       "correlation of duration with go-live",
              "risks": "Risks: share of replications struck, and how much earlier go-live is (days) without it",
              "joint_confidence": "Joint confidence: least transition cost (£m) for P(go-live <= date and "
                                  "cost <= C) at 70% and 80%"}
    for key, table in found.items():
        click.echo(show(titles[key], table.head(20) if key == "tasks" else table))
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
    for path, description in scenarios.bundled_what_ifs():
        click.echo(f"{str(path.relative_to(scenarios.models_dir())):45} {description}")
