"""The `transition-sim` command: a thin skin over the Python API."""

from __future__ import annotations

import functools
import sys

import click

from transition_sim import __version__, api
from transition_sim.errors import ScenarioError

SCENARIO = click.argument("scenario", required=False, type=click.Path(dir_okay=False))
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
@click.option("--runs", type=click.IntRange(min=1), default=2000, show_default=True, help="Replications.")
@click.option("--seed", type=int, default=None, help="Master seed (default: the scenario's).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores).")
@SET
@click.option("--name", default=None, help="Run folder name (default: scenario name and time).")
@click.option("--out", default="runs", show_default=True, type=click.Path(file_okay=False),
              help="Folder that holds run folders.")
@click.option("--force", is_flag=True, help="Replace an existing run of the same name.")
@reports_bad_input
def run(scenario, runs, seed, workers, overrides, name, out, force):
    """Run a scenario (default: the bundled Northamptonshire baseline) and write runs/<name>/.

    \b
    Example:
      transition-sim run
      transition-sim run models/northamptonshire-sept-2020.yaml --runs 5000 --name sept
      transition-sim run --set capacities.hr=3 --set planned_go_live=2020-11-01
    """
    result = api.run(scenario, runs=runs, seed=seed, workers=workers, overrides=overrides, name=name,
                     out=out, force=force, progress=sys.stderr.isatty())
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
