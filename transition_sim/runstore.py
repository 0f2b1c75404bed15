"""Run folders: written whole under a temporary name, then renamed; never overwritten without force.

A run's name is one path component inside `--out`. The final rename happens under a lock on the
`--out` folder, so two runs of the same name cannot both succeed: the second finds the first's
folder and refuses (or, with force, replaces that folder and nothing else). Temporary folders left
by a killed process are removed by the next write once that process is gone.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow
import pyarrow.parquet as pq

from transition_sim.errors import Problem, ScenarioError
from transition_sim.ledger import StoredTable
from transition_sim.results import joined_categories

TABLES = ("replications", "tasks", "risks")
TEMPORARY = re.compile(r"^\..+\.(?:partial|replaced)-(\d+)$")
MAX_NAME_BYTES = 200  # file systems allow 255, less the temporary name's prefix and suffix
OVERWRITE_HINT = "choose another --name or pass --force to replace it"


def check_name(name: str) -> str:
    """A run name is a single folder name: no separators, not `.` or `..`, not hidden."""
    if (not name or name != name.strip() or "/" in name or "\\" in name or "\0" in name
            or name in (".", "..") or name.startswith(".") or len(name.encode("utf-8")) > MAX_NAME_BYTES):
        raise ScenarioError([Problem("--name", "", None, f"{name[:60]!r} is not a run name: give one folder name, "
                                     f"without '/', not starting with '.', at most {MAX_NAME_BYTES} bytes")])
    return name


def run_folder(out: str | Path, name: str) -> Path:
    """`out/name`, checked: a valid name, and `out` a folder that exists or can be made."""
    check_name(name)
    out = Path(out)
    for ancestor in (out, *out.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                raise ScenarioError([Problem(str(ancestor), "", None,
                                             f"is a file, so --out {out} cannot be a folder under it")])
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise ScenarioError([Problem(str(ancestor), "", None, "cannot write here (permission denied)")])
            break
    return out / name


def check_free(path: Path, force: bool, hint: str = OVERWRITE_HINT) -> None:
    """Refuse to replace an existing file or folder unless forced."""
    if Path(path).exists() and not force:
        raise ScenarioError([Problem(str(path), "", None, f"exists already; {hint}")])


def write_text_atomically(path: Path, text: str, force: bool, hint: str = OVERWRITE_HINT) -> Path:
    """Write a whole file under a temporary name, then rename it into place."""
    path = Path(path)
    check_free(path, force, hint)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        partial.write_text(text, encoding="utf-8")
        with _locked(path.parent):
            check_free(path, force, hint)
            partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


@contextlib.contextmanager
def _locked(folder: Path):
    """An exclusive lock on a folder, held by every writer of the run folders in it."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(out: Path) -> list[Path]:
    """Remove temporary folders and files left in `out` by processes that no longer run."""
    removed = []
    for path in out.iterdir() if out.is_dir() else ():
        match = TEMPORARY.match(path.name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def parquet_options(table: pd.DataFrame) -> dict:
    """How a run's table is written: what a reader gets is pyarrow's default, but dictionary encoding is
    tried only for the categorical columns and statistics kept only for `replication` (the others'
    cost about half of writing a task table of millions of rows, and no reader filters on them)."""
    return {"use_dictionary": [c for c in table.columns if isinstance(table[c].dtype, pd.CategoricalDtype)],
            "write_statistics": [c for c in ("replication",) if c in table.columns]}




def write_run(folder: Path, files: dict[str, str | bytes], tables: dict[str, pd.DataFrame], force: bool) -> Path:
    """Write `files` (name -> text or bytes) and `tables` (name -> DataFrame, as parquet) into `folder`."""
    with RunWriter(folder, force) as writer:
        return writer.finish(files, tables)


class RunWriter:
    """A run folder being written: tables streamed in block by block (`append`), then `finish`.

    Everything goes into a temporary folder beside the run's, renamed into place by `finish`; on any
    error, Ctrl-C included, leaving the `with` block removes it, so nothing is left half-written.
    """

    def __init__(self, folder: Path, force: bool):
        self.folder = run_folder(folder.parent, folder.name)
        self.force = force
        check_free(self.folder, force)
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(self.folder.parent)
        self.partial = self.folder.parent / f".{self.folder.name}.partial-{os.getpid()}"
        shutil.rmtree(self.partial, ignore_errors=True)
        self.partial.mkdir()
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.categories: dict[str, list[dict[str, list]]] = {}  # per streamed table, each block's categories

    def __enter__(self) -> "RunWriter":
        return self

    def __exit__(self, kind, value, traceback) -> bool:
        for writer in self.writers.values():
            writer.close()
        if kind is not None:
            shutil.rmtree(self.partial, ignore_errors=True)
        return False

    def path(self, name: str) -> Path:
        """Where table `name` is being written (until `finish` moves the folder)."""
        return self.partial / f"{name}.parquet"

    def append(self, name: str, table: pd.DataFrame) -> None:
        """Add a block's rows to table `name`, as the next row groups of its file."""
        arrow = pyarrow.Table.from_pandas(table, preserve_index=False)
        if name not in self.writers:
            self.writers[name] = pq.ParquetWriter(self.path(name), arrow.schema, **parquet_options(table))
            self.categories[name] = []
        writer = self.writers[name]
        if not arrow.schema.equals(writer.schema, check_metadata=False):
            arrow = arrow.cast(writer.schema)
        writer.write_table(arrow)
        self.categories[name].append({c: list(table[c].cat.categories) for c in table.columns
                                      if isinstance(table[c].dtype, pd.CategoricalDtype)})

    def close(self, name: str) -> pd.DataFrame | None:
        """End streaming table `name`; each categorical column then has the categories one write of the
        whole table would have had (`results.joined_categories`), the file rewritten a row group at a
        time if the blocks' differed."""
        writer = self.writers.pop(name, None)
        if writer is None:
            return
        writer.close()
        blocks = self.categories[name]
        if all(block == blocks[0] for block in blocks):
            return
        names = {c: joined_categories([block[c] for block in blocks]) for c in blocks[0]}
        source = pq.ParquetFile(self.path(name))
        rewritten = self.partial / f".{name}.rewritten.parquet"
        writer = None
        try:
            for group in range(source.num_row_groups):
                frame = source.read_row_group(group).to_pandas()
                frame = frame.assign(**{c: frame[c].cat.set_categories(n) for c, n in names.items()})
                arrow = pyarrow.Table.from_pandas(frame, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(rewritten, arrow.schema, **parquet_options(frame))
                writer.write_table(arrow)
        finally:
            if writer is not None:
                writer.close()
        rewritten.replace(self.path(name))

    def stored(self, name: str) -> Path | None:
        """The file of streamed table `name`, finished (None if nothing was streamed under that name)."""
        if name not in self.categories:
            return None
        self.close(name)
        return self.path(name)

    def read(self, name: str) -> pd.DataFrame:
        """A streamed table, read back whole."""
        return pd.read_parquet(self.stored(name))

    def write_tables(self, tables: dict[str, pd.DataFrame]) -> None:
        """Write the `tables` not in the folder yet (streamed in, or written already). Another process may do
        this while this one goes on: it writes only their files, in this writer's own folder, which starts
        empty."""
        for name, table in tables.items():
            if not self.path(name).exists():
                table.to_parquet(self.path(name), index=False, **parquet_options(table))

    def write_files(self, files: dict[str, str | bytes]) -> None:
        """Write `files` (name -> text or bytes) into the folder; another process may do this, as `write_tables`."""
        for name, text in files.items():
            (self.partial / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))

    def finish(self, files: dict[str, str | bytes], tables: dict[str, pd.DataFrame]) -> Path:
        """Write `files` (name -> text or bytes) and the `tables` not streamed in (`write_tables`), then
        rename the folder into place (refusing, under the lock, if another run took the name meanwhile and
        not forced)."""
        for name in list(self.writers):
            self.close(name)
        self.write_files(files)
        self.write_tables(tables)
        folder = self.folder
        with _locked(folder.parent):
            if folder.exists() and not self.force:
                raise ScenarioError([Problem(str(folder), "", None, "was written by another run meanwhile; "
                                             "nothing was replaced (choose another --name or pass --force)")])
            if folder.exists() or folder.is_symlink():
                retired = folder.parent / f".{folder.name}.replaced-{os.getpid()}"
                folder.rename(retired)
                self.partial.rename(folder)
                if retired.is_dir() and not retired.is_symlink():
                    shutil.rmtree(retired)
                else:
                    retired.unlink()
            else:
                self.partial.rename(folder)
        return folder


def _unreadable(folder: Path, name: str, why: str) -> ScenarioError:
    return ScenarioError([Problem(str(Path(folder) / name), "", None, f"cannot read this run file: {why}")])


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """A table of a run folder, its dates in one unit whatever wrote them (seconds, as a fresh run has)."""
    try:
        table = pd.read_parquet(Path(folder) / f"{name}.parquet")
    except (OSError, pyarrow.ArrowException, ValueError) as err:
        raise _unreadable(folder, f"{name}.parquet", str(err).splitlines()[0] if str(err) else type(err).__name__)
    for column in table.columns:
        if pd.api.types.is_datetime64_dtype(table[column]):
            table[column] = table[column].astype("datetime64[s]")
    return table


def stored_table(folder: Path, name: str, columns: tuple[str, ...]) -> StoredTable:
    """A table of a run folder left in its file (read a few columns or a chunk at a time), with `columns`."""
    path = Path(folder) / f"{name}.parquet"
    try:
        names = pq.read_schema(path).names
    except (OSError, pyarrow.ArrowException, ValueError) as err:
        raise _unreadable(folder, path.name, str(err).splitlines()[0] if str(err) else type(err).__name__)
    missing = [c for c in columns if c not in names]
    if missing:
        raise ScenarioError([Problem(str(path), "", None, f"not a table of this run: missing {', '.join(missing)}")])
    return StoredTable(path)


def read_json(folder: Path, name: str, required: tuple[str, ...] = ()) -> dict:
    """A JSON file of a run folder, with the keys it must have."""
    try:
        data = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _unreadable(folder, name, str(err)) from None
    if not isinstance(data, dict):
        raise _unreadable(folder, name, "not a JSON object")
    missing = [k for k in required if k not in data]
    if missing:
        raise _unreadable(folder, name, f"missing {', '.join(missing)}")
    return data
