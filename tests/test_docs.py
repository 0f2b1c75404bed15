"""Executed docs: every command in the README and examples/ runs, and every CLI command is in the README's table.

Commands run as written except for a documented substitution that keeps them small: `--runs 20 --workers 1`
is added to commands that simulate, replications in examples/ are cut to 20 (`runs=N` -> `runs=20`), output
goes to a temporary `--out` (a folder of its own for each `backtest`), and `runs/<name>` stands for the run folder the README's `run` wrote.
"""

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from transition_sim.cli import main

pytestmark = pytest.mark.timeout(300)
ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SMALL = ["--runs", "20", "--workers", "1"]
SIMULATING = {"run", "compare", "sweep", "backtest"}
WRITING = {"run", "compare", "sweep"}


def readme_commands() -> list[str]:
    """The `transition-sim ...` commands of the README's indented code lines (after any `pip install ... &&`),
    in the README's order, with continuation lines (ending in a backslash) joined."""
    commands, pending = [], ""
    for line in README.splitlines():
        if not line.startswith("    "):
            pending = ""
            continue
        text = pending + line.strip()
        if text.endswith("\\"):
            pending = text[:-1] + " "
            continue
        pending = ""
        text = text.split("&&")[-1].strip()
        if text.startswith("transition-sim "):
            commands.append(text)
    return commands


def command_table() -> set[str]:
    return set(re.findall(r"^\| `transition-sim ([a-z-]+)", README, flags=re.MULTILINE))


def test_every_cli_command_is_in_the_readme_command_table():
    assert command_table() == set(main.commands), "add each command to the README's command table"


def test_the_readme_has_commands_to_run():
    assert {c.split()[1] for c in readme_commands()} >= {"run", "compare", "sweep", "drivers"}


def test_every_readme_command_runs(tmp_path, monkeypatch):
    """In README order, in an empty folder holding a copy of examples/: bundled models are found by name."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "runs"
    runner = CliRunner()
    run_folder = None
    for number, text in enumerate(readme_commands()):
        args = shlex.split(text, comments=True)[1:]
        redirect = None
        if ">" in args:
            args, redirect = args[:args.index(">")], args[args.index(">") + 1]
        name = args[0]
        if run_folder is not None:
            args = [str(run_folder) if a == "runs/<name>" else a for a in args]
        args += (SMALL if name in SIMULATING else []) + (["--out", str(out)] if name in WRITING else [])
        if name == "backtest":
            args += ["--out", str(out / f"backtest-{number}")]
        if name == "run":
            args += ["--name", f"readme-{number}"]
            run_folder = run_folder or out / f"readme-{number}"
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (text, result.output)
        if redirect is not None:
            (tmp_path / redirect).write_text(result.stdout, encoding="utf-8")
            json.loads((tmp_path / redirect).read_text(encoding="utf-8"))
    assert not list(ROOT.glob("runs/*/manifest.json")), "a README command wrote into the repository"


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_every_example_runs(example, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    source = (ROOT / "examples" / example).read_text(encoding="utf-8")
    small = re.sub(r"\bruns=\d+", "runs=20", source)
    assert small != source or "runs=" not in source
    exec(compile(small, example, "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out
