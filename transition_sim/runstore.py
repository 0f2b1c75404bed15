"""Run folders: written whole under a temporary name, then renamed; never overwritten without force."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd

from transition_sim.errors import Problem, ScenarioError

TABLES = ("replications", "tasks", "risks")


def check_free(path: Path, force: bool) -> None:
    """Refuse to replace an existing file or folder unless forced."""
    if Path(path).exists() and not force:
        raise ScenarioError([Problem(str(path), "", None,
                                     "exists already; choose another --name or pass --force to replace it")])


def write_text_atomically(path: Path, text: str, force: bool) -> Path:
    """Write a whole file under a temporary name, then rename it into place."""
    path = Path(path)
    check_free(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def write_run(folder: Path, files: dict[str, str | bytes], tables: dict[str, pd.DataFrame], force: bool) -> Path:
    """Write `files` (name -> text or bytes) and `tables` (name -> DataFrame, as parquet) into `folder`."""
    check_free(folder, force)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        for name, text in files.items():
            (partial / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
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
