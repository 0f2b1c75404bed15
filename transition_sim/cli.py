"""The `transition-sim` command: a thin skin over the Python API."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys
import threading
from pathlib import Path

import click

# one BLAS thread a process: the parallelism is the worker processes', and OpenBLAS's idle threads spin
# (about 5% of the baseline run's CPU on 2 cores); set before numpy loads it, unless set already
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from transition_sim import __version__, convergence, terminal
from transition_sim import gcpause
from transition_sim.errors import Problem, ScenarioError
from transition_sim.lazy import lazy_import, load_now
from transition_sim.units import parse_money

# loaded when a command runs, not for --help
api, health, runstore, status, tables, outside_view, backtesting = (
    lazy_import(f"transition_sim.{m}")
    for m in ("api", "health", "runstore", "status", "tables", "outside_view", "backtest"))
scenarios = lazy_import("transition_sim.scenario")
engines, warm, headstart = (lazy_import(f"transition_sim.{m}") for m in ("engines", "warm", "headstart"))  # before api
ASSUMPTIONS = ("not-started", "as-planned")  # status.ASSUMPTIONS, spelled out so that --help does not import status

SCENARIO = click.argument("scenario", required=False, type=click.Path(dir_okay=False))
RUNS = click.option("--runs", type=click.IntRange(min=1), default=2000, show_default=True,
                    help="Replications (for scenario files; run folders keep their own).")
SEED = click.option("--seed", type=click.IntRange(min=0), default=None, help="Master seed (default: the scenario's).")


def _cap_workers(ctx, param, value):
    cores = engines.available_workers()
    if value is not None and value > cores:
        click.echo(f"note: --workers {value} capped at {cores}, the cores available", err=True)
        return cores
    return value


ENGINES = ("compiled", "simpy")  # engines.ENGINES, spelled out so that --help does not import it


def _on_engine(command, head_start: bool = False):
    """--engine: the command's replications are played on the engine named (see engines.using_engine), by
    worker processes started as the command begins (`warm`), before the rest of the package is imported.
    With `head_start` (`run`), the run's replications are begun on them before that, too (`headstart`)."""
    @functools.wraps(command)
    def wrapper(*args, engine, **kwargs):
        with warm.workers_for(engine, kwargs.get("workers"), kwargs.get("runs"), kwargs.get("cluster")), \
                engines.using_engine(engine):
            def imports() -> None:
                if head_start:
                    headstart.begin(kwargs["scenario"], kwargs["overrides"], kwargs["runs"], kwargs["seed"],
                                    kwargs["workers"])
                load_now(api)
            # the package is imported while the workers start, and before the command handles Ctrl-C and
            # SIGTERM: an interrupt in the middle of an import would leave half a module behind
            gcpause.imported(imports)
            return command(*args, **kwargs)
    return click.option("--engine", type=click.Choice(ENGINES), default=None,
                        help="compiled (default, or $TRANSITION_SIM_ENGINE) or simpy, the engine of record: "
                             "the same results.")(wrapper)


def WORKERS(command, head_start: bool = False):  # noqa: N802 (a decorator, named like the other options)
    """--workers and --engine: how the replications are played."""
    workers = click.option("--workers", type=click.IntRange(min=1), default=None, callback=_cap_workers,
                           help="Worker processes (default and most: all cores).")
    return _on_engine(workers(command), head_start)


def RUN_WORKERS(command):  # noqa: N802
    """WORKERS, with the run begun on the workers while the package is imported (`headstart`)."""
    return WORKERS(command, head_start=True)

OUT = click.option("--out", default="runs", show_default=True, type=click.Path(file_okay=False),
                   help="Folder that holds run folders.")
FORCE = click.option("--force", is_flag=True, help="Replace existing output of the same name.")


def simulation_options(command):
    """--runs, --seed, --workers and --engine."""
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
    """Bad input becomes a message naming file, key path and line, and exit code 2; Ctrl-C and SIGTERM exit 130."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            with terminate_as_interrupt():
                return command(*args, **kwargs)
        except ScenarioError as err:
            for problem in err.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing was written", err=True)
            sys.exit(130)
        except OSError as err:
            where = f" {err.filename}" if err.filename else ""
            click.echo(f"error: cannot write or read{where}: {err.strerror or err}", err=True)
            sys.exit(1)
    return wrapper


@contextlib.contextmanager
def terminate_as_interrupt():
    """SIGTERM handled like Ctrl-C, so a killed run cleans up its temporary folder."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="transition-sim")
def main():
    """Simulate a reorganisation's children's services under any delivery model: when, why, and who pays."""


def command() -> None:
    """The `transition-sim` command: `main`, then the process ends at once with its exit code.

    Everything a command writes is closed, and its worker processes ended, before it returns; what the
    interpreter does at exit after that (garbage-collecting and freeing every object of pandas, numba and
    the run, which the system takes back anyway) takes 0.2-1 s, so it is skipped: the output streams are
    flushed and the process exits.
    """
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code
    if code is not None and not isinstance(code, int):  # sys.exit("message"): printed, exit code 1
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe, say: nothing more can be said on it
            stream.flush()
    os._exit(code or 0)


class RunsOrAuto(click.ParamType):
    """A number of replications of at least 1, or `auto`."""

    name = "N|auto"

    def convert(self, value, param, ctx):
        if isinstance(value, int) or str(value).strip().lower() == "auto":
            return value if isinstance(value, int) else "auto"
        try:
            number = int(value)
        except ValueError:
            self.fail(f"{value!r} is neither a number nor auto", param, ctx)
        if number < 1:
            self.fail(f"{number} is not at least 1", param, ctx)
        return number


def parse_pounds(ctx, param, value):
    try:
        return parse_money(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


@main.command()
@SCENARIO
@click.option("--runs", type=RunsOrAuto(), default=2000, show_default=True,
              help="Replications, or auto: double them until the P80 intervals are within the tolerances.")
@SEED
@RUN_WORKERS
@click.option("--tolerance", "tolerance_days", type=click.FloatRange(min=0), default=convergence.TOLERANCE_DAYS,
              show_default=True, help="With --runs auto: width in days of the P80 go-live's 95% interval.")
@click.option("--cost-tolerance", "tolerance_gbp", default="£0.1m", show_default=True, callback=parse_pounds,
              help="With --runs auto: width of the P80 transition cost's 95% interval.")
@click.option("--max-runs", type=click.IntRange(min=1), default=convergence.MAX_RUNS, show_default=True,
              help="With --runs auto: the most replications to run.")
@SET
@output_options("scenario name and time")
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
@CLUSTER
@terminal.summary_output
@reports_bad_input
def run(scenario, runs, seed, workers, tolerance_days, tolerance_gbp, max_runs, overrides, name, out, force,
        no_report, cluster, quiet):
    """Run a scenario (default: the bundled Northamptonshire baseline) and write runs/<name>/.

    \b
    Example:
      transition-sim run
      transition-sim run models/northamptonshire-sept-2020.yaml --runs 5000 --name sept
      transition-sim run --set capacities.hr=3 --set planned_go_live=2020-11-01
      transition-sim run --runs 500 --json > summary.json
      transition-sim run --runs auto --tolerance 1 --cost-tolerance £0.1m
      transition-sim run --runs 100000 --cluster tcp://10.0.0.5:8786
    """
    result = api.run(scenario, runs=runs, seed=seed, workers=workers, overrides=overrides, name=name,
                     out=out, force=force, progress=not quiet, with_report=not no_report,
                     tolerance_days=tolerance_days, tolerance_gbp=tolerance_gbp, max_runs=max_runs, cluster=cluster)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.findings:
        click.echo(f"warning: schedule health check: {health.summary(list(result.findings))}; "
                   "see `transition-sim check`", err=True)
    data = {**result.summary, "folder": str(result.folder) if result.folder else None, "workers": result.workers,
            "seconds": {"simulate": result.seconds, "total": result.total_seconds},
            **({"convergence": result.convergence} if result.convergence else {})}
    return format_summary(result), data


def critical_task_lines(tasks: list[dict], shown: int = 6) -> list[str]:
    """Tasks on every critical chain in one line; then the most often critical, ties with the last included."""
    always = [row["task_id"] for row in tasks if row["criticality"] >= 1.0]
    varying = [row for row in tasks if row["criticality"] < 1.0]
    if len(varying) > shown:
        cut = varying[shown - 1]["criticality"]
        varying = [row for row in varying if row["criticality"] >= cut]
    lines = [f"  always (every replication): {', '.join(always)}"] if always else []
    return lines + [f"  {row['criticality']:6.1%}  {row['task_id']}  ({row['name']})" for row in varying]


def format_summary(result: api.Run) -> str:
    s = result.summary
    f = s["figures"]
    value = lambda key: f[key]["value"]  # noqa: E731
    pct = lambda key: f"{100 * value(key):.1f}% (95% CI {100 * f[key]['ci_low']:.1f}-{100 * f[key]['ci_high']:.1f}%)"  # noqa: E731
    percentiles = lambda stem: "  ".join(f"P{p} {value(f'{stem}_p{p}')}" for p in (10, 50, 80, 90))  # noqa: E731
    lines = [
        f"{s['scenario']}",
        f"  {s['replications']:,} replications, seed {s['seed']}, {result.workers} workers: simulated in "
        f"{result.seconds:.1f} s ({(result.convergence or {}).get('simulated', s['replications']) / result.seconds:,.0f}"
        f" replications/s), {result.total_seconds:.1f} s in all",
        f"  planned go-live {s['planned_go_live']}, vesting day {s['vesting_day']}",
        *([f"  {status.statement(result.loaded.scenario)}"] if result.loaded.scenario.status_date else []),
        *format_convergence(result.convergence),
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
    lines += critical_task_lines(s["critical_tasks"])
    if "money_by_payer_gbp" in s:
        lines += format_costs(f, s["money_by_payer_gbp"])
    if "by_branch" in s:
        lines += format_branches(s["by_branch"])
    if result.folder is not None:
        lines += ["", f"Run written to {result.folder}/"]
        if (result.folder / "report.html").exists():
            lines += [f"Report: {result.folder / 'report.html'}"]
    return "\n".join(lines)


def format_convergence(state: dict | None) -> list[str]:
    if state is None:
        return []
    achieved = state["achieved"]
    cost = achieved.get("transition_cost_p80_ci_gbp")
    verdict = "converged" if state["converged"] else f"stopped at the maximum of {state['max_runs']:,} without converging"
    return [f"  --runs auto: {verdict} after {state['runs']:,} replications: P80 go-live 95% interval "
            f"{achieved['go_live_p80_ci_days']:.0f} days wide (tolerance {state['tolerance_days']:g})"
            + (f", P80 cost £{cost / 1e6:.2f}m (tolerance £{state['tolerance_gbp'] / 1e6:g}m)" if cost is not None
               else "")]


def format_branches(branches: dict) -> list[str]:
    """Headline figures split by the scope outcomes drawn in each replication."""
    lines = ["", "By branch (scope decisions drawn per replication)"]
    for label, b in branches.items():
        cost = (f"  cost P50 £{b['transition_cost_p50_gbp'] / 1e6:.1f}m P80 £{b['transition_cost_p80_gbp'] / 1e6:.1f}m"
                f"  staff {b['staff_transferred']:,}" if "transition_cost_p50_gbp" in b else "")
        lines.append(f"  {label:40} {b['share']:6.1%}  go-live P50 {b['go_live_p50']} P80 {b['go_live_p80']}  "
                     f"on time {b['p_on_time']:.1%}  slip {b['mean_slip_days']:.0f} d{cost}")
    return lines


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
    for item in api.todo(scenario, overrides):
        click.echo(f"to do: {item}")


def show(title: str, table: pd.DataFrame) -> str:
    """A table of raw numbers from the api, in readers' units, as wide as the terminal."""
    return terminal.render(title, terminal.readable(tables.for_readers(table)))


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@simulation_options
@output_options("compare and time")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Also write an interactive comparison page to this HTML file.")
@click.option("--why", is_flag=True, help="With two sources: each changed input's own effect on P50/P80 go-live.")
@terminal.summary_output
@reports_bad_input
def compare(sources, runs, seed, workers, name, out, force, report_path, why, quiet):
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
      transition-sim compare models/northamptonshire.yaml models/northamptonshire-sept-2020.yaml --why
    """
    if why and len(sources) != 2:
        raise click.UsageError("--why compares exactly two scenarios")
    folder = runstore.run_folder(out, api.timestamped("compare") if name is None else name)
    found = api.compare(*sources, runs=runs, seed=seed, workers=workers, folder=folder, report_path=report_path,
                        force=force, progress=not quiet)
    text = (show("Comparison (Δ: difference from the first column; in days for dates)", found.table)
            + show("Options: delivery model, go-live, transition cost and each new council's yearly cost (£m)",
                   found.options))
    data = {"comparison": terminal.records(tables.for_readers(found.table)),
            "options": terminal.records(tables.for_readers(found.options))}
    paths = list(found.paths)
    if why:
        reasons = api.why(*sources, runs=runs, seed=seed, workers=workers)
        paths += tables.write_tables(folder, "why", {"why": reasons}, force=True)
        text += show("Why they differ: each changed input applied alone to the first, same seed (shifts in days)",
                     reasons)
        data["why"] = terminal.records(tables.for_readers(reasons))
    return text + "Written: " + ", ".join(str(p) for p in paths), {**data, "written": [str(p) for p in paths]}


@main.command()
@SCENARIO
@click.option("--vary", multiple=True, required=True, metavar="KEY.PATH=V1,V2,...",
              help="A parameter and its values (repeatable: the grid is every combination).")
@simulation_options
@output_options("sweep and time")
@CLUSTER
@terminal.summary_output
@reports_bad_input
def sweep(scenario, vary, runs, seed, workers, name, out, force, cluster, quiet):
    """Run the grid of what-ifs, one run per combination, and tabulate the headline figures.

    \b
    Example:
      transition-sim sweep --vary capacities.hr=1,2,3 --vary planned_go_live=2020-07-01,2020-11-01
      transition-sim sweep --vary capacities.hr=1,2,3,4,5 --runs 20000 --cluster local
    """
    folder = runstore.run_folder(out, api.timestamped("sweep") if name is None else name)
    table = api.sweep(scenario, vary, runs=runs, seed=seed, workers=workers, progress=not quiet,
                      folder=folder, force=force, cluster=cluster)
    paths = [folder / "sweep.csv", folder / "sweep.xlsx"]
    return (show(f"Sweep: {len(table)} points", table) + "Written: " + ", ".join(str(p) for p in paths),
            {"sweep": terminal.records(tables.for_readers(table).reset_index()), "written": [str(p) for p in paths]})


def on_a_run_folder(command):
    """RUN_FOLDER, --workers and --force, with bad input reported."""
    argument = click.argument("run_folder", type=click.Path(file_okay=False))
    return argument(WORKERS(FORCE(reports_bad_input(command))))


@main.command()
@on_a_run_folder
@CLUSTER
@terminal.summary_output
def drivers(run_folder, workers, force, cluster, quiet):
    """What drives slippage in a run: critical tasks, risks, slip by cause, cost-schedule joint confidence.

    Each risk's effect is measured by re-running the scenario without it, with the run's seed: only
    the replications in which it struck, as only those can change.

    \b
    Example:
      transition-sim drivers runs/northamptonshire-20201101-120000
      transition-sim drivers runs/northamptonshire-20201101-120000 --cluster local --workers 2
    """
    found = api.drivers(run_folder, workers=workers, force=force, progress=not quiet, cluster=cluster)
    paths = [Path(run_folder) / f"drivers-{key}.csv" for key in found] + [Path(run_folder) / "drivers.xlsx"]
    titles = {"figures": "Headline figures with 95% confidence intervals from the Monte Carlo sample",
              "tasks": "Tasks: criticality (share of replications on the critical chain) and Spearman "
                       "correlation of duration with go-live",
              "risks": "Risks: share of replications struck, share in which it changed a date (effective), and how "
                       "much earlier go-live is (days) without it",
              "slip": "Why it slipped: mean days of slip by cause along each replication's driving path "
                      "(they add up to the mean slip)",
              "correlations": "Correlations: target rank correlation, the one used (after any repair of the "
                              "matrix) and the one achieved in the sampled durations",
              "joint_confidence": "Joint confidence: least transition cost (£m) for P(go-live <= date and "
                                  "cost <= C) at 70% and 80%"}
    text = "".join(show(titles[key], table.head(20) if key == "tasks" else table) for key, table in found.items())
    return (text + "Written: " + ", ".join(str(p) for p in paths),
            {**{key: terminal.records(tables.for_readers(table)) for key, table in found.items()},
             "written": [str(p) for p in paths]})


@main.command()
@on_a_run_folder
@click.option("--png", "png_folder", type=click.Path(file_okay=False), default=None,
              help="Instead, write each chart as a PNG image into this folder, for slides.")
def report(run_folder, workers, force, png_folder):
    """Rebuild a run's interactive page, RUN/report.html, from its tables, or export its charts as PNGs.

    \b
    Example:
      transition-sim report runs/northamptonshire-20201101-120000 --force
      transition-sim report runs/northamptonshire-20201101-120000 --png slides/
    """
    if png_folder is not None:
        paths = api.export_pngs(run_folder, png_folder, force=force, workers=workers)
        click.echo(f"Written: {len(paths)} images in {png_folder}")
        return
    click.echo(f"Written: {api.rebuild_report(run_folder, force=force, workers=workers, progress=True)}")


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


def parse_range(text: str) -> tuple[float, float, float]:
    """`0.9,1.0,1.5` as three multipliers of the planned duration, in order."""
    try:
        low, likely, high = (float(v) for v in text.split(","))
    except ValueError:
        raise ScenarioError([Problem("--range", text, None, "expected three numbers low,likely,high such as "
                                     "0.9,1.0,1.5")]) from None
    if not 0 <= low <= likely <= high:
        raise ScenarioError([Problem("--range", text, None, "the three numbers must be 0 <= low <= likely <= high")])
    return low, likely, high


@main.command("import")
@click.argument("plan", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The scenario file to write.")
@click.option("--map", "mapping", type=click.Path(dir_okay=False), default=None,
              help="YAML of field: column name, for task lists whose columns are named otherwise, or low/high: "
                   "the MS Project custom fields holding optimistic and pessimistic durations.")
@click.option("--range", "spread", default="0.9,1.0,1.5", show_default=True,
              help="Low, likely and high as multiples of the planned duration.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="When the plan starts (a task list does not say; MS Project files do).")
@click.option("--risks", type=click.Path(dir_okay=False), default=None,
              help="A risk register (.xlsx or .csv: id, name, probability, impact, tasks).")
@FORCE
@reports_bad_input
def import_plan(plan, output, mapping, spread, start, risks, force):
    """Turn an MS Project XML file or an Excel/CSV task list into a scenario.

    Leaf tasks become tasks, summary rows workstreams; links keep their type and lag; resources
    become capacities and assignments needs. The scenario's `todo:` lists what the plan does not say.

    \b
    Example:
      transition-sim import plan.xml -o scenario.yaml
      transition-sim import tasks.xlsx --start 2020-01-06 --map columns.yaml -o scenario.yaml
      transition-sim validate scenario.yaml && transition-sim run scenario.yaml
    """
    read, path, document = api.import_plan(plan, output, mapping, parse_range(spread),
                                           start.date() if start else None, risks, force)
    click.echo(f"Read {read.file} ({read.kind}):")
    for what, value in read.counts.items():
        shown = ", ".join(f"{x:g}" for x in value) or "none" if isinstance(value, list) else f"{value:g}"
        click.echo(f"  {what:40} {shown}")
    click.echo(f"Written: {path} (valid; {len(document['todo'])} items to do, listed under todo:)")


def interactive() -> bool:
    return sys.stdin.isatty()


def ask_about(missing) -> dict[str, str]:
    """At a terminal: what to assume for each task the update did not mention."""
    click.echo(f"{len(missing)} tasks the plan had started by the status date are not mentioned:")
    return {m.task_id: click.prompt(f"  {m.task_id} (planned {m.start} to {m.finish})",
                                    type=click.Choice(ASSUMPTIONS)) for m in missing}


@main.command("status")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--date", "date", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The status date.")
@click.option("--done", multiple=True, metavar="TASK=DATE", help="A task finished on that date (repeatable).")
@click.option("--progress", multiple=True, metavar="TASK=PERCENT",
              help="A task started and that much complete at the status date (repeatable).")
@click.option("--from", "from_plan", type=click.Path(dir_okay=False), default=None,
              help="Take progress from an updated MS Project XML file (tasks matched by id).")
@click.option("--assume", type=click.Choice(ASSUMPTIONS), default=None,
              help="What tasks the plan had started by the date, but the update does not mention, are taken as "
                   "(asked at a terminal; required otherwise).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The what-if file to write.")
@FORCE
@reports_bad_input
def status_command(scenario, date, done, progress, from_plan, assume, output, force):
    """Write a what-if that extends SCENARIO with a status date and each task's progress.

    Nothing is silently taken as not started: tasks the plan had started by the date that the
    update does not mention are listed, asked about at a terminal, or taken as --assume says.

    \b
    Example:
      transition-sim status models/northamptonshire.yaml --date 2020-03-01 \\
          --done company_setup=2019-12-20 --progress chief_executive=80 --assume as-planned -o march.yaml
      transition-sim status scenario.yaml --date 2020-09-01 --from updated-plan.xml -o sept.yaml
    """
    ask = ask_about if assume is None and interactive() else None
    path, document = api.status_update(scenario, date.date(), output, done, progress, from_plan, assume, ask, force)
    click.echo(document["description"])
    click.echo(f"Written: {path}")


@main.command("schema")
@click.option("--what-if", "what_if", is_flag=True,
              help="The schema of a what-if, a file that extends another: every key optional.")
@reports_bad_input
def schema_command(what_if):
    """Print the JSON Schema of the scenario language, for an editor's YAML extension.

    \b
    Example:
      transition-sim schema > scenario.schema.json
      transition-sim schema --what-if > what-if.schema.json
    and in a scenario file's first line:
      # yaml-language-server: $schema=scenario.schema.json
    """
    click.echo(json.dumps(api.json_schema(what_if), indent=2, ensure_ascii=False))


@main.command()
@SCENARIO
@click.option("--strict", is_flag=True, help="Exit 1 when any check fails (for CI).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@SET
@reports_bad_input
def check(scenario, strict, as_json, overrides):
    """Check a plan's health: DCMA-style schedule checks and the go-live rules of this domain.

    Each finding names the rule, the task and the fix. `run` does these checks too and warns.

    \b
    Example:
      transition-sim check
      transition-sim check models/northamptonshire-sept-2020.yaml --strict --json
    """
    findings = api.check(scenario, overrides=overrides)
    if as_json:
        click.echo(json.dumps(health.as_records(findings), indent=2))
    else:
        for finding in findings:
            click.echo(str(finding))
        click.echo(f"{len(findings)} finding(s)" + (f": {health.summary(findings)}" if findings else ": all checks pass"))
    if strict and findings:
        sys.exit(1)


@main.command()
@click.argument("scenario", type=click.Path())
@click.argument("outcomes", type=click.Path(dir_okay=False))
@simulation_options
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Folder to write into (default: runs/backtest-<scenario>-<time>).")
@FORCE
@terminal.summary_output
@reports_bad_input
def backtest(scenario, outcomes, runs, seed, workers, out, force, quiet):
    """Score a scenario or run folder against what happened: percentiles, P10-P90 coverage, CRPS.

    Writes backtest.csv, backtest.xlsx and backtest.html (PIT histogram, fan charts with the actuals).

    \b
    Example:
      transition-sim backtest models/northamptonshire.yaml models/outcomes/northamptonshire.yaml
      transition-sim backtest runs/sept models/outcomes/northamptonshire.yaml --out runs/sept-backtest
    """
    found = api.backtest(scenario, outcomes, runs=runs, seed=seed, workers=workers, out=out, force=force,
                         progress=not quiet)
    presented = backtesting.presented(found.table)
    written = [str(found.folder / name) for name in api.BACKTEST_FILES]
    text = (show("Backtest (CRPS in the measure's unit; backtest.csv has the raw numbers)",
                 backtesting.for_terminal(found.table))
            + found.summary + "\n" + f"Written: {found.folder}/ ({', '.join(api.BACKTEST_FILES)})")
    return text, {"backtest": terminal.records(presented), "calibration": found.calibration,
                  "summary": found.summary, "written": written}
