"""The schedule health gate: each rule fires on a plan built to break it, and `--strict` fails."""

import json

from click.testing import CliRunner

from transition_sim import health
from transition_sim.cli import main
from conftest import scenario_dict


def fixed(days):
    return {"low": f"{days}d", "likely": f"{days}d", "high": f"{days}d"}


def task(duration, **extra):
    return {"name": "t", "workstream": "w", "duration": duration, "assumption": "test", **extra}


def rules(loaded, data):
    return {(f.rule, f.item) for f in health.check(loaded(data).scenario)}


def test_a_clean_plan_passes(loaded):
    # a: 20 days from 1 Jan, consultation ends 21 Jan, + 28 days ELI = 18 Feb, before 1 March
    assert rules(loaded, scenario_dict(tasks={"a": task(fixed(20))})) == set()


def test_dcma_checks(loaded):
    data = scenario_dict(planned_go_live={"value": "2020-09-01", "assumption": "t"},
                         tasks={"a": task(fixed(20)), "b": task(fixed(10), predecessors=["a"]),
                                "c": task({"low": "5d", "likely": "10d", "high": "40d"}, predecessors=["a"],
                                          not_before="2020-02-01"),
                                "long": task(fixed(90), predecessors=["a"]), "other_start": task(fixed(5))})
    found = rules(loaded, data)
    assert ("hard constraint", "c") in found
    assert ("high duration range", "c") in found  # (40 - 5) / 10 = 3.5 > 2
    assert ("long task", "long") in found  # 90 days > 44 working days
    assert ("dangling end", "b") in found and ("dangling end", "long") in found
    assert ("excessive float", "b") in found  # readiness at day 110, b finishes day 30: the deadline is day 244
    assert ("missing predecessor", "a") in found and ("missing predecessor", "other_start") in found


def test_domain_rules(loaded):
    data = scenario_dict(planned_go_live={"value": "2020-02-15", "assumption": "t"},
                         councils={"old": {"name": "Old", "role": "predecessor"},
                                   "new": {"name": "New", "role": "successor",
                                           "from": {"value": "2021-05-01", "assumption": "t"}}},
                         tasks={"a": task(fixed(50))})
    found = rules(loaded, data)
    assert ("TUPE consultation before the ELI notice", "a") in found  # ends day 50 + 28 days > 15 Feb (day 45)
    assert ("ready before go-live", "a") in found  # readiness day 50 + no go/no-go notice > day 45
    assert ("planned date is a valid slot", "planned_go_live") in found
    assert ("vesting day on 1 April", "vesting_day") in found


def test_a_constraint_on_a_closed_work_day(loaded):
    data = scenario_dict(calendars={"office": {"weekends": True, "assumption": "t"}},
                         tasks={"a": task(fixed(5)), "b": task(fixed(5), calendar="office", not_before="2020-01-04",
                                                               predecessors=["a"])})
    assert ("no task in a closed work period", "b") in rules(loaded, data)  # 4 January 2020 is a Saturday


def test_check_command_strict_and_json(write):
    path = write(scenario_dict(councils={"old": {"name": "Old", "role": "predecessor"},
                                   "new": {"name": "New", "role": "successor",
                                           "from": {"value": "2021-05-01", "assumption": "t"}}}))
    runner = CliRunner()
    plain = runner.invoke(main, ["check", str(path)])
    assert plain.exit_code == 0 and "vesting day on 1 April" in plain.output
    strict = runner.invoke(main, ["check", str(path), "--strict", "--json"])
    assert strict.exit_code == 1
    assert {"rule": "vesting day on 1 April", "item": "vesting_day"}.items() <= json.loads(strict.output)[0].items()
    clean = runner.invoke(main, ["check", str(write(scenario_dict(), "clean.yaml")), "--strict"])
    assert clean.exit_code == 0, clean.output
