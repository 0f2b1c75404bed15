"""Run folders: written whole under a temporary name, then renamed; never overwritten without force."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd

from transition_sim.errors import Problem, ScenarioError

TABLES = ("replications", "tasks", "risks")


def check_free(folder: Path, force: bool) -> None:
    if folder.exists() and not force:
        raise ScenarioError([Problem(str(folder), "", None,
                                     "a run of this name exists; choose another --name or pass --force")])


def write_run(folder: Path, files: dict[str, str], tables: dict[str, pd.DataFrame], force: bool) -> Path:
    """Write `files` (name -> text) and `tables` (name -> DataFrame, as parquet) into `folder`."""
    check_free(folder, force)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        for name, text in files.items():
            (partial / name).write_text(text, encoding="utf-8")
        for name, table in tables.items():
            table.to_parquet(partial / f"{name}.parquet", index=False)
        if folder.exists():
            retired = folder.parent / f".{folder.name}.replaced-{os.getpid()}"
            folder.rename(retired)
            partial.rename(folder)
            shutil.rmtree(retired)
        else:
            partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return folder


def read_table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def read_json(folder: Path, name: str) -> dict:
    return json.loads((folder / name).read_text(encoding="utf-8"))
